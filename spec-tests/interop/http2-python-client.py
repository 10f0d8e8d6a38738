# A WebSocket-over-HTTP/2 client (RFC 8441) made of Debian's python3-h2 (HTTP/2) and
# python3-wsproto (its RFC 6455 frame layer, wsproto.connection.Connection, which exists for
# exactly this: a WebSocket on a stream whose handshake was done elsewhere). Talks h2c with prior
# knowledge to 127.0.0.1:PORT and prints one JSON line per step; with a third argument `tls`, it
# speaks TLS with ALPN h2 instead (Python's ssl module; the server's certificate is not checked:
# the test makes it self-signed) and sends :scheme https.
#   python3 http2-python-client.py PORT echo     settings, extended CONNECT, echo, close both ways
#   python3 http2-python-client.py PORT echo tls the same over TLS (the "tls" line says what was agreed)
#   python3 http2-python-client.py PORT errors   malformed and refused CONNECTs, one stream each
#   python3 http2-python-client.py PORT early    an extended CONNECT sent before the server's SETTINGS were read
import json
import socket
import ssl
import sys

import h2.config
import h2.connection
import h2.events
import h2.settings
from wsproto.connection import Connection, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, TextMessage
from wsproto.extensions import PerMessageDeflate


def out(**fields):
    print(json.dumps(fields), flush=True)


PORT = int(sys.argv[1])
MODE = sys.argv[2]
TLS = len(sys.argv) > 3 and sys.argv[3] == "tls"
sock = socket.create_connection(("127.0.0.1", PORT), timeout=10)
if TLS:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2"])  # RFC 9113 §3.2: HTTP/2 over TLS is chosen by ALPN
    sock = context.wrap_socket(sock, server_hostname="localhost")
    out(step="tls", alpn=sock.selected_alpn_protocol(), version=sock.version())
# Header validation off for the errors mode, which sends what a careful client never would.
config = h2.config.H2Configuration(client_side=True, validate_outbound_headers=(MODE == "echo"), normalize_outbound_headers=False)
h2c = h2.connection.H2Connection(config=config)
h2c.initiate_connection()
sock.sendall(h2c.data_to_send())


def pump():
    """Reads once and returns the h2 events, flushing what h2 wants to send."""
    data = sock.recv(65536)
    if not data:
        raise ConnectionError("server closed the connection")
    events = h2c.receive_data(data)
    sock.sendall(h2c.data_to_send())
    return events


def wait_for(predicate, limit=400):
    for _ in range(limit):
        for event in pump():
            if predicate(event):
                return event
    raise TimeoutError("no matching event")


def connect(headers):
    stream_id = h2c.get_next_available_stream_id()
    h2c.send_headers(stream_id, headers)
    sock.sendall(h2c.data_to_send())
    return stream_id


def outcome(stream_id):
    """The stream's response status, or how it was reset."""
    event = wait_for(lambda e: getattr(e, "stream_id", None) == stream_id and isinstance(e, (h2.events.ResponseReceived, h2.events.StreamReset)))
    if isinstance(event, h2.events.StreamReset):
        return {"reset": int(event.error_code)}
    return {"status": int(dict(event.headers)[b":status"]), "headers": {k.decode(): v.decode() for k, v in event.headers}}


BASE = [(":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "https" if TLS else "http"), (":path", "/ws"), (":authority", f"127.0.0.1:{PORT}"), ("sec-websocket-version", "13")]

if MODE == "early":
    # RFC 8441 §3: a client may use extended CONNECT once it has seen the setting; this one does
    # not wait. h2 itself refuses to send :protocol then, so its header validation is off here.
    stream_id = connect(BASE)
    out(step="early", **outcome(stream_id))
    sys.exit(0)

settings = wait_for(lambda e: isinstance(e, h2.events.RemoteSettingsChanged))
enable = settings.changed_settings.get(h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL)
out(step="settings", enableConnectProtocol=enable.new_value if enable else None)

if MODE == "errors":
    cases = {
        "no-protocol-with-path": [h for h in BASE if h[0] != ":protocol"],
        "no-path": [h for h in BASE if h[0] != ":path"],
        "protocol-not-websocket": [(n, "h2-tunnel" if n == ":protocol" else v) for n, v in BASE],
        "with-key": BASE + [("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")],
        "with-connection-upgrade": BASE + [("connection", "upgrade"), ("upgrade", "websocket")],
        "wrong-version": [(n, "8" if n == "sec-websocket-version" else v) for n, v in BASE],
    }
    for name, headers in cases.items():
        out(step="case", name=name, **outcome(connect(headers)))
    # The connection is still usable after all of them.
    stream_id = connect(BASE)
    out(step="after", **outcome(stream_id))
    sys.exit(0)

# echo: the handshake, with permessage-deflate offered through wsproto's own extension.
deflate = PerMessageDeflate()
stream_id = connect(BASE + [("sec-websocket-protocol", "chat"), ("sec-websocket-extensions", f"permessage-deflate; {deflate.offer()}")])
answer = outcome(stream_id)
out(step="handshake", **answer)
accepted = answer.get("headers", {}).get("sec-websocket-extensions")
if accepted:
    deflate.finalize(accepted)
ws = Connection(ConnectionType.CLIENT, extensions=[deflate] if accepted else [])


def send(event):
    h2c.send_data(stream_id, ws.send(event))
    sock.sendall(h2c.data_to_send())


def ws_events():
    """WebSocket events from this stream's DATA frames (flow-control credit given back)."""
    found = []
    ended = False
    for event in pump():
        if isinstance(event, h2.events.DataReceived) and event.stream_id == stream_id:
            h2c.acknowledge_received_data(event.flow_controlled_length, stream_id)
            ws.receive_data(event.data)
            found.extend(ws.events())
        if isinstance(event, h2.events.StreamEnded) and event.stream_id == stream_id:
            ended = True
        if isinstance(event, h2.events.StreamReset) and event.stream_id == stream_id:
            out(step="reset", code=int(event.error_code))
    sock.sendall(h2c.data_to_send())
    return found, ended


def next_message():
    parts = []
    for _ in range(2000):
        events, _ended = ws_events()
        for event in events:
            if isinstance(event, (TextMessage, BytesMessage)):
                parts.append(event.data)
                if event.message_finished:
                    return event, parts
    raise TimeoutError("no message")


for size in (0, 125, 126, 65535, 65536, 1 << 20):
    text = ("ab\u20ac" * size)[:size]
    send(TextMessage(data=text))
    event, parts = next_message()
    same_text = isinstance(event, TextMessage) and "".join(parts) == text
    data = bytes((i * 7) & 0xFF for i in range(size))
    send(BytesMessage(data=data))
    event, parts = next_message()
    out(step="echo", size=size, text=same_text, binary=isinstance(event, BytesMessage) and b"".join(parts) == data)

send(CloseConnection(code=4000, reason="python says bye"))
ended = False
close = None
for _ in range(400):
    events, now_ended = ws_events()
    ended = ended or now_ended
    for event in events:
        if isinstance(event, CloseConnection):
            close = [event.code, event.reason]
    if close and ended:
        break
out(step="closed", close=close, endStream=ended)
h2c.end_stream(stream_id)
sock.sendall(h2c.data_to_send())
h2c.close_connection()
sock.sendall(h2c.data_to_send())
sock.close()
