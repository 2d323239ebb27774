"""A local HTTP server for download tests: serves FOLDER on 127.0.0.1 at a free port.

Usage: serve_files.py FOLDER LOG [--drop-after N]

Prints the port on the first line of standard output, then serves until standard input
closes (the test releases its pipe or exits), SIGTERM arrives, or 300 seconds pass. Each GET is
logged to LOG as "PATH RANGE" (RANGE is "-" without a Range header). Range requests of the
form "bytes=START-" get 206 with Content-Range. With --drop-after N, the first response that
starts at byte 0 sends only its first N body bytes and then closes the connection, although
its Content-Length promises the whole file.
"""

import http.server
import os
import signal
import sys
import threading


def exit_when_orphaned():
    """Ends the process once standard input reaches end of file (the test closed it or died),
    or after an hour at the latest. A shorter limit failed tests on a loaded machine, where a
    test can wait minutes between starting the server and using it."""
    threading.Timer(3600, lambda: os._exit(0)).start()
    sys.stdin.buffer.read()
    os._exit(0)


def main():
    # A parent may spawn us with SIGTERM blocked (the mask is inherited); unblock it.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    threading.Thread(target=exit_when_orphaned, daemon=True).start()
    folder, log_path = sys.argv[1], sys.argv[2]
    drop_after = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--drop-after" else None
    state = {"dropped": False}
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):
            pass

        def do_GET(self):
            range_header = self.headers.get("Range")
            with lock, open(log_path, "a") as log:
                log.write(f"{self.path} {range_header or '-'}\n")
            path = os.path.join(folder, self.path.lstrip("/"))
            if not os.path.isfile(path):
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            with open(path, "rb") as handle:
                data = handle.read()
            start = 0
            if range_header and range_header.startswith("bytes=") and range_header.endswith("-"):
                start = int(range_header[len("bytes="):-1])
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with lock:
                drop = drop_after is not None and start == 0 and not state["dropped"]
                state["dropped"] = state["dropped"] or drop
            if drop:
                self.wfile.write(body[:drop_after])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
