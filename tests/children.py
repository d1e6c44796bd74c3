"""`python -m crawler` child processes for the tests, forked from a warm start (`tests/zygote.py`)
instead of started cold: the same program, arguments, folder, environment and standard streams, a
real pid to signal, a real exit status; the imports paid once per test process, not once a child
(the children's CPU in the suite: 166 s cold, about 50 s warm).

`start()` answers with the part of `subprocess.Popen` the tests use; `run()` is `subprocess.run`
with `capture_output=True, text=True`. Each test process starts its own server on first use and
stops it when it exits. Set CRAWLER_TESTS_COLD=1 to start every child cold instead (for a doubt
about the warm start: the same tests must pass both ways).
"""
from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO

PIPE, DEVNULL = subprocess.PIPE, subprocess.DEVNULL
ROOT = Path(__file__).resolve().parent.parent
_server: tuple[subprocess.Popen, str] | None = None
#: the tests' "now" (tests.support.TEST_NOW): every run a test starts (crawl, demo, snapshot,
#: extract) runs on this clock (the CRAWL_NOW setting) unless it sets its own, never on the day the
#: suite runs; only the end-to-end tests, which type the command exactly as a user does, do not
TEST_CLOCK = "2026-12-04T06:00:00+00:00"
CLOCKED = ("crawl", "demo", "snapshot", "extract")


def with_test_clock(args: list[str]) -> list[str]:
    """The arguments with the tests' clock, unless they set CRAWL_NOW themselves."""
    if args and args[0] in CLOCKED and not any(str(a).startswith("CRAWL_NOW=") for a in args):
        return [*args, "-s", f"CRAWL_NOW={TEST_CLOCK}"]
    return args


def crawler_env() -> dict[str, str]:
    """The environment of a `python -m crawler` child process: this checkout importable."""
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _socket_path() -> str:
    """The warm start's socket, started on first use."""
    global _server
    if _server is None or _server[0].poll() is not None:
        folder = tempfile.mkdtemp(prefix="crawler-zygote-")
        path = os.path.join(folder, "socket")
        proc = subprocess.Popen([sys.executable, "-m", "tests.zygote", path], cwd=ROOT, env=crawler_env(),
                                stdin=PIPE, stdout=PIPE, text=True)  # stdin: ends when this process does
        if proc.stdout.readline().strip() != "ready":
            proc.kill()
            raise RuntimeError(f"the tests' warm start did not come up (exit {proc.wait()})")
        proc.stdout.close()
        _server = (proc, path)
        atexit.register(_stop, proc, folder)
    return _server[1]


def _stop(proc: subprocess.Popen, folder: str) -> None:
    proc.kill()
    proc.wait()
    shutil.rmtree(folder, ignore_errors=True)


class Child:
    """One forked `python -m crawler`: pid, poll, wait, signals, and its output streams."""

    def __init__(self, args: list[str], cwd: Path | str, stdout: int | None, stderr: int | None,
                 env: dict[str, str] | None = None):
        self.args = args
        self.returncode: int | None = None
        self.stdout: IO[str] | None = None
        self.stderr: IO[str] | None = None
        sent, ours = [os.open(os.devnull, os.O_RDONLY)], []
        for choice in (stdout, stderr):
            if choice == PIPE:
                read, write = os.pipe()
                ours.append(open(read, encoding="utf-8", errors="replace"))
                sent.append(write)
            else:
                ours.append(None)
                sent.append(os.open(os.devnull, os.O_WRONLY) if choice == DEVNULL else os.dup(2))
        self.stdout, self.stderr = ours
        self._conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._conn.connect(_socket_path())
        request = {"args": [str(a) for a in args], "cwd": str(Path(cwd).resolve()), "env": env or crawler_env()}
        socket.send_fds(self._conn, [json.dumps(request).encode()], sent)
        for fd in sent:
            os.close(fd)
        self._buffer = b""
        self.pid = int(self._line(None).removeprefix("pid "))

    def _line(self, timeout: float | None) -> str:
        self._conn.settimeout(timeout)
        while b"\n" not in self._buffer:
            chunk = self._conn.recv(256)
            if not chunk:
                raise RuntimeError("the tests' warm start went away")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode()

    def _ended(self, timeout: float | None) -> None:
        status = int(self._line(timeout).removeprefix("status "))
        self.returncode = os.waitstatus_to_exitcode(status)
        self._conn.close()

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                self._ended(0)
            except (BlockingIOError, TimeoutError):
                pass
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            try:
                self._ended(timeout)
            except TimeoutError:
                raise subprocess.TimeoutExpired(self.args, timeout) from None
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(9)

    def communicate(self, timeout: float | None = None) -> tuple[str | None, str | None]:
        """Both streams read to their end (the child's exit closes them), then its exit status."""
        texts: list[str | None] = [None, None]

        def drain(i: int, stream: IO[str]) -> None:
            texts[i] = stream.read()
            stream.close()

        readers = [threading.Thread(target=drain, args=(i, s), daemon=True)
                   for i, s in enumerate((self.stdout, self.stderr)) if s is not None]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join(timeout)
            if reader.is_alive():
                raise subprocess.TimeoutExpired(self.args, timeout)
        self.wait(timeout)
        return texts[0], texts[1]


def start(args: list[str], cwd: Path | str, stdout: int | None = DEVNULL, stderr: int | None = DEVNULL,
          env: dict[str, str] | None = None, cold: bool = False) -> Child | subprocess.Popen:
    """`python -m crawler ARGS` running in `cwd`: forked warm, or started cold when asked (the
    end-to-end tests: the command exactly as a user types it) or with CRAWLER_TESTS_COLD=1; on
    the tests' clock (TEST_CLOCK) unless started cold on purpose."""
    if not cold:
        args = with_test_clock(list(args))
    if cold or os.environ.get("CRAWLER_TESTS_COLD"):
        return subprocess.Popen([sys.executable, "-m", "crawler", *map(str, args)], cwd=cwd,
                                env=env or crawler_env(), stdout=stdout, stderr=stderr, text=True)
    return Child(args, cwd, stdout, stderr, env)


def run(args: list[str], cwd: Path | str, timeout: float = 240, env: dict[str, str] | None = None,
        cold: bool = False) -> subprocess.CompletedProcess[str]:
    """`python -m crawler ARGS` to its end, output captured as text."""
    child = start(args, cwd, PIPE, PIPE, env, cold)
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        raise
    return subprocess.CompletedProcess(child.args, child.returncode, out, err)
