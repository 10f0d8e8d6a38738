# A WebSocket-over-HTTP/2 server (RFC 8441) made of Debian's python3-h2 and python3-wsproto, for
# wsref's client: h2c on 127.0.0.1 (an OS-chosen port, printed first), SETTINGS with
# ENABLE_CONNECT_PROTOCOL = 1, each extended CONNECT answered 200 and its WebSocket echoed until the
# client closes; a close frame is answered with the same code and reason, then END_STREAM.
# Prints one JSON line per request and per close. Serves one connection, then exits.
import json
import socket

import h2.config
import h2.connection
import h2.events
import h2.settings
from wsproto.connection import Connection, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Ping, TextMessage


def out(**fields):
    print(json.dumps(fields), flush=True)


listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(1)
out(step="listening", port=listener.getsockname()[1])
sock, _ = listener.accept()
sock.settimeout(15)
h2c = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=False))
# In the first SETTINGS frame, where clients look for it (RFC 8441 §3).
h2c.local_settings = h2.settings.Settings(client=False, initial_values={h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL: 1})
h2c.initiate_connection()
sock.sendall(h2c.data_to_send())
sockets = {}  # stream id -> wsproto Connection
partial = {}  # stream id -> the message being received, as pieces
pending = {}  # stream id -> [bytes to send, end the stream after them]


def queue(stream_id, data, end=False):
    entry = pending.setdefault(stream_id, [b"", False])
    entry[0] += data
    entry[1] = entry[1] or end
    flush()


def flush():
    """Sends what HTTP/2 flow control allows now (the rest waits for WINDOW_UPDATE)."""
    for stream_id, entry in list(pending.items()):
        while entry[0]:
            size = min(len(entry[0]), h2c.local_flow_control_window(stream_id), h2c.max_outbound_frame_size)
            if size <= 0:
                break
            h2c.send_data(stream_id, entry[0][:size])
            entry[0] = entry[0][size:]
        if not entry[0]:
            if entry[1]:
                h2c.end_stream(stream_id)
            del pending[stream_id]


while True:
    data = sock.recv(65536)
    if not data:
        break
    for event in h2c.receive_data(data):
        if isinstance(event, h2.events.RequestReceived):
            headers = {k.decode(): v.decode() for k, v in event.headers}
            out(step="request", headers=headers)
            if headers.get(":method") == "CONNECT" and headers.get(":protocol") == "websocket":
                h2c.send_headers(event.stream_id, [(":status", "200")])
                sockets[event.stream_id] = Connection(ConnectionType.SERVER)
            else:
                h2c.send_headers(event.stream_id, [(":status", "400")], end_stream=True)
        elif isinstance(event, h2.events.DataReceived) and event.stream_id in sockets:
            h2c.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            ws = sockets[event.stream_id]
            ws.receive_data(event.data)
            for ws_event in ws.events():
                if isinstance(ws_event, (TextMessage, BytesMessage)):
                    pieces = partial.setdefault(event.stream_id, [])
                    pieces.append(ws_event.data)
                    if ws_event.message_finished:
                        whole = ("" if isinstance(ws_event, TextMessage) else b"").join(partial.pop(event.stream_id))
                        queue(event.stream_id, ws.send(type(ws_event)(data=whole)))
                elif isinstance(ws_event, Ping):
                    queue(event.stream_id, ws.send(ws_event.response()))
                elif isinstance(ws_event, CloseConnection):
                    out(step="close", code=ws_event.code, reason=ws_event.reason)
                    queue(event.stream_id, ws.send(ws_event.response()), end=True)
        elif isinstance(event, h2.events.WindowUpdated):
            flush()
        elif isinstance(event, h2.events.StreamEnded):
            out(step="stream-ended", stream=event.stream_id)
        elif isinstance(event, h2.events.ConnectionTerminated):
            out(step="goaway")
    sock.sendall(h2c.data_to_send())
    if h2c.state_machine.state == h2.connection.ConnectionState.CLOSED:
        break
out(step="done")
sock.close()
