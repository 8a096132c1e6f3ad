"""The WeChat boundary: official-account webhook, message router, replies,
outbound client and token store, and a fake WeChat API server for tests and
the demo.

Everything here translates between WeChat and the six-step operations in
`pipeline/`; no rule of the six steps lives in this package.
"""
