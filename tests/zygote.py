"""A warm start for the `python -m crawler` processes the tests run.

Most of a short test crawl's CPU is Python importing Scrapy, Twisted and the project (about 0.6 s a
process, over a hundred processes a suite). This server imports all that once, then forks a child
per request; the child becomes `python -m crawler ARGS` with the caller's working directory,
environment and standard streams, and runs the real `crawler.__main__` to a normal interpreter exit
(atexit, flushes, its own exit code). It is a real process with its own pid: tests signal it and
read its exit status as they would a `subprocess.Popen` (`tests/children.start`).

It serves until its standard input, a pipe from the test process, ends. Protocol over a Unix
socket, one connection per child: the client sends a JSON request with three
file descriptors (stdin, stdout, stderr); the server answers `pid N` and, when the child has ended,
`status S` (the raw wait status), then closes the connection.

The Twisted reactor is installed by each child's crawl, never here: a reactor in the server would be
inherited by every child.
"""
from __future__ import annotations

import gc
import importlib
import json
import os
import random
import select
import signal
import socket
import sys
import time

MAX_REQUEST = 1 << 20


def preload() -> None:
    """Import what a crawl imports: the CLI, Scrapy's engine and downloader, every component the
    project's settings name, and the spiders."""
    from scrapy.utils.misc import load_object

    from crawler import cli

    settings = cli.project_settings()
    cli.spider_classes(settings)
    for name in ("DOWNLOADER_MIDDLEWARES_BASE", "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES_BASE",
                 "SPIDER_MIDDLEWARES", "EXTENSIONS_BASE", "EXTENSIONS", "ITEM_PIPELINES",
                 "DOWNLOAD_HANDLERS_BASE", "DOWNLOAD_HANDLERS"):
        for path in settings.getdict(name):
            if isinstance(path, str):
                try:
                    load_object(path)
                except Exception:  # an optional component (e.g. HTTP/2 without h2): a child imports it or not
                    pass
    for module in ("scrapy.crawler", "scrapy.core.engine", "crawler.archive", "crawler.interrupt", "crawler.mirror",
                   "crawler.preflight", "crawler.replay", "crawler.snapshot", "crawler.state", "crawler.warc_source"):
        importlib.import_module(module)
    if "twisted.internet.reactor" in sys.modules:
        raise RuntimeError("preloading installed a Twisted reactor; every child would inherit it")


def serve(path: str) -> dict:
    """Fork a child per request until killed. Returns only in a child, with its request."""
    children: dict[int, socket.socket] = {}
    ended: dict[int, int] = {}

    def reap(*_: object) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = children.pop(pid, None)
            if conn is None:
                ended[pid] = status
                continue
            try:
                conn.sendall(f"status {status}\n".encode())
            except OSError:
                pass
            conn.close()

    signal.signal(signal.SIGCHLD, reap)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    print("ready", flush=True)
    while True:
        ready, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in ready:  # end of the pipe from the test process: it is gone, and so is this
            os._exit(0)
        conn, _ = listener.accept()
        message, fds, _, _ = socket.recv_fds(conn, MAX_REQUEST, 3)
        request = json.loads(message)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})  # register the pid before reaping it
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            listener.close()
            conn.close()
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
                os.close(fd)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, set())
            return request
        for fd in fds:
            os.close(fd)
        conn.sendall(f"pid {pid}\n".encode())
        if pid in ended:
            conn.sendall(f"status {ended.pop(pid)}\n".encode())
            conn.close()
        else:
            children[pid] = conn
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})


def become(request: dict) -> None:
    """Turn this fork into `python -m crawler ARGS` started in the request's folder and environment."""
    import runpy

    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    sys.path[0] = request["cwd"]  # as `python -m` sets it
    random.seed()  # not the server's sequence
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    sys.argv = ["crawler", *request["args"]]
    runpy.run_module("crawler", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    preload()
    gc.collect()
    gc.freeze()  # the children share the preloaded objects' pages instead of copying them
    become(serve(sys.argv[1]))
