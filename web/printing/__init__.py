"""Printing: the badge card and items' QR codes as PNG images (Pillow, qrcode).

Presentation only: the badges themselves (issue, revoke, bind, their state) are
`pipeline/accounts/badges.py`; WeChat's mini-program code is fetched by
`wechat/client.py` and only passed in here.
"""
