"""Upload a file to offload over HTTP with nothing but the standard library (POST /v1/uploads).

    OFFLOAD_API_KEY=ofk_... python3 upload.py http://localhost:3000 photo.jpg

Sends the API key in OFFLOAD_API_KEY (a key with the tasks:write scope) as a Bearer token.
Prints the upload key (up_ followed by 32 hex digits) to put in a task's content.
"""
import json
import os
import sys
import urllib.request
import uuid


def upload(base_url, path, api_key=None):
    boundary = uuid.uuid4().hex
    with open(path, "rb") as f:
        data = f.read()
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{os.path.basename(path)}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        f"{base_url}/v1/uploads",
        data=body,
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            **({"Authorization": f"Bearer {api_key}"} if api_key else {}),
        },
        method="POST",
    )
    # urlopen raises urllib.error.HTTPError on 4xx/5xx; its body is a problem+json document.
    with urllib.request.urlopen(request) as response:
        return json.load(response)["key"]


if __name__ == "__main__":
    print(upload(sys.argv[1], sys.argv[2], os.environ.get("OFFLOAD_API_KEY")))
