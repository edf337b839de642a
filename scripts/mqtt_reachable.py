"""Exit 0 when the MQTT broker at $MQTT_URL (default mqtt://127.0.0.1:1883) accepts
a TCP connection; otherwise say that the MQTT tests will be skipped and exit 1."""

from __future__ import annotations

import os
import socket
import sys
from urllib.parse import urlsplit

url = urlsplit(os.environ.get("MQTT_URL") or "mqtt://127.0.0.1:1883")
host, port = url.hostname or "127.0.0.1", url.port or 1883
try:
    socket.create_connection((host, port), timeout=2).close()
except OSError as exc:
    print(
        f"SKIPPED: MQTT tests — no broker at {host}:{port} ({exc}); set MQTT_URL or start Mosquitto"
    )
    sys.exit(1)
print(f"MQTT broker at {host}:{port}: the MQTT tests run against it")
