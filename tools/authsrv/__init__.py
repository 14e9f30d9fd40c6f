"""Route modules of the authscope test server (tools/authserver.py).

Each route module exposes ROUTES: a list of (method, path prefix, function).
A route function receives the request handler and writes one complete
response through the helpers in common.py. Everything here is made up for
loopback captures: the users, passwords and secrets are fixtures, not secrets.
"""
