"""What a producer that guessed the wire format might publish: no "v", no "id", and the image as a
file path. offload dead-letters it as invalid_message, naming each wrong field; it never opens the path.

    AMQP_URL=amqp://guest:guest@localhost:5672 QUEUE_PREFIX=offload python3 publish_guess.py /srv/photos/cat.jpg
"""
import json
import os
import sys
from datetime import datetime, timezone

import pika


def main():
    url = os.environ.get("AMQP_URL", "amqp://guest:guest@localhost:5672")
    prefix = os.environ.get("QUEUE_PREFIX", "offload")
    guess = {
        "task_type": "watermark",
        "content": {"image": sys.argv[1], "watermark": {"text": "guessed"}},
        "created_at": datetime.now(timezone.utc).isoformat(),
        "retry_count": 0,
    }
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(
            exchange=f"{prefix}.tasks",
            routing_key="watermark",
            body=json.dumps(guess).encode("utf-8"),
            properties=pika.BasicProperties(content_type="application/json", delivery_mode=2),
            mandatory=True,
        )
    finally:
        connection.close()


if __name__ == "__main__":
    main()
