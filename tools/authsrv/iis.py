"""IIS-like detailed error pages for 401 sub-statuses.

IIS reports a sub-status only in its detailed error page ("HTTP Error 401.1 -
Unauthorized") and in its W3C log (sc-substatus); the status line stays 401.
The wording below is the fixture's own summary of each sub-status.
"""

import gzip

from .common import send

SUBSTATUS = {
    "401.1": "Logon failed: the credentials you supplied were not accepted.",
    "401.2": "Logon failed: the server is not configured for any "
             "authentication method your client offered.",
    "401.3": "The resource's access control list does not grant your "
             "account access to the file.",
    "401.501": "Too many concurrent requests from the same client IP.",
    "401.502": "The request rate from your client IP exceeded the limit.",
    "401.503": "Your client IP address is on the deny list of this site.",
}

PAGE = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" \
"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/>
<title>IIS 10.0 Detailed Error - {code} - Unauthorized</title>
</head>
<body>
<div id="content">
<div class="content-container">
 <h3>HTTP Error {code} - Unauthorized</h3>
 <h4>{text}</h4>
</div>
<div class="content-container">
 <fieldset><h4>Detailed Error Information:</h4>
  <table border="0" cellpadding="0" cellspacing="0">
   <tr><th>Module</th><td>IIS Web Core</td></tr>
   <tr><th>Notification</th><td>AuthenticateRequest</td></tr>
   <tr><th>Handler</th><td>StaticFile</td></tr>
   <tr><th>Error Code</th><td>0x80070005</td></tr>
   <tr><th>Requested URL</th><td>http://intranet.test:80{path}</td></tr>
   <tr><th>Physical Path</th><td>C:\\inetpub\\wwwroot\\reports</td></tr>
   <tr><th>Logon Method</th><td>{logon}</td></tr>
   <tr><th>Logon User</th><td>{user}</td></tr>
  </table>
 </fieldset>
</div>
</div>
</body>
</html>
"""


def iis_error(h):
    """/iis/<sub-status>[/gz]: 401 with the detailed page (gzip with /gz)."""
    parts = h.path.split("?")[0].strip("/").split("/")
    code = parts[1] if len(parts) > 1 else "401.1"
    text = SUBSTATUS.get(code, SUBSTATUS["401.1"])
    sent = h.headers.get("Authorization", "")
    logon = sent.split(" ")[0] if sent else "Not yet determined"
    user = "Not yet determined" if not sent else "alice"
    body = PAGE.format(code=code, text=text, path=h.path, logon=logon,
                       user=user).encode("iso-8859-1")
    headers = [("Content-Type", "text/html"),
               ("WWW-Authenticate", "Negotiate"), ("WWW-Authenticate", "NTLM"),
               ("X-Powered-By", "ASP.NET")]
    if parts[-1] == "gz":
        body = gzip.compress(body, mtime=0)
        headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
    send(h, 401, body, headers=headers, server="Microsoft-IIS/10.0")


ROUTES = [("*", "/iis/", iis_error)]
