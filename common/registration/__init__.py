"""Patient self-registration from the clinic's QR poster: signed registration links.

A poster carries a link with a token: the clinic's id and a key version, signed with that key
(HMAC-SHA256). The server verifies the token before it shows the registration form. A manager
can rotate the key: every link signed with an older key stops working, so old posters do too.
"""
