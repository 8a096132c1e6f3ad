"""People: residents and staff accounts and tokens, supervision badges, WeChat
binding, sign-in lock-out and rate limits."""
