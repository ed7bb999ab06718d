"""Publish one offload task straight to RabbitMQ with pika.

    AMQP_URL=amqp://guest:guest@localhost:5672 QUEUE_PREFIX=offload TASK_SIGNING_KEY=... \
      python3 publish_task.py watermark '{"image": "up_…", "watermark": {"text": "© ACME"}}'

With TASK_SIGNING_KEY set (the workers' key), the message is signed; a worker with a key
dead-letters an unsigned one as invalid_signature without running it.
Prints the task id. Exits non-zero if the broker did not confirm the message or could not route it.
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import uuid
from datetime import datetime, timezone

import pika


def signature(key, message_id, body):
    """The offload-signature header: v1=<key id>:<HMAC-SHA256 over the message id, LF, the body>."""
    key_bytes = key.encode("utf-8")                            # the key as configured, as UTF-8
    key_id = hashlib.sha256(key_bytes).hexdigest()[:12]        # which key signed: SHA-256, 12 hex digits
    mac = hmac.new(key_bytes, message_id.encode("utf-8") + b"\n" + body, hashlib.sha256).digest()
    return f"v1={key_id}:" + base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def publish_task(channel, prefix, task_type, content, signing_key=None):
    task_id = str(uuid.uuid4())
    now = datetime.now(timezone.utc)
    envelope = {
        "v": 1,                                # the envelope's major version
        "id": task_id,                         # a UUID you choose; the task record's id
        "task_type": task_type,                # e.g. "watermark"
        "content": content,                    # files by upload key (POST /v1/uploads), never by path
        "created_at": now.isoformat(),         # ISO 8601 with an offset
        "retry_count": 0,                      # always 0: the worker counts retries
    }
    body = json.dumps(envelope).encode("utf-8")  # sign exactly the bytes you publish
    headers = {} if signing_key is None else {"offload-signature": signature(signing_key, task_id, body)}
    channel.basic_publish(
        exchange=f"{prefix}.tasks",            # direct exchange
        routing_key=task_type,                 # routes to <prefix>.task.<task_type>
        body=body,
        properties=pika.BasicProperties(
            message_id=task_id,
            type=task_type,
            content_type="application/json",
            delivery_mode=2,                   # persistent
            timestamp=int(now.timestamp()),
            headers=headers,
        ),
        mandatory=True,                        # an unroutable message comes back as an error
    )
    return task_id


def main():
    task_type, content = sys.argv[1], json.loads(sys.argv[2])
    url = os.environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672")
    prefix = os.environ.get("QUEUE_PREFIX", "offload")
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        # With confirms on, basic_publish returns once the broker has the message and raises
        # pika.exceptions.UnroutableError (no queue for the routing key) or NackError.
        channel.confirm_delivery()
        print(publish_task(channel, prefix, task_type, content, os.environ.get("TASK_SIGNING_KEY") or None))
    finally:
        connection.close()


if __name__ == "__main__":
    main()
