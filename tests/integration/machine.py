"""Emulated machines for pmuvisor's integration tests.

A Machine boots an ESP image under Bochs (VT-x) or QEMU (TCG, no VT-x)
with OVMF, with both serial lines on loopback TCP: COM1 is the guest's
console, COM2 is pmuvisor's.  Tests wait for text on either line and
can type into either.  The emulator runs in its own session and is
always stopped by its process-group id, whatever happens to the test.
"""

import atexit
import os
import pty
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, "build")
OVMF = "/usr/share/ovmf/OVMF.fd"
BOCHSRC_TEMPLATE = os.path.join(ROOT, "tests", "integration", "bochsrc.in")

_live = set()
_live_lock = threading.Lock()


def _stop_all():
    with _live_lock:
        machines = list(_live)
    for m in machines:
        m.stop()


atexit.register(_stop_all)


def _terminate(signum, frame):
    # SIGTERM/SIGINT (a timeout, Ctrl-C): stop every emulator, then exit.
    _stop_all()
    raise SystemExit(128 + signum)


if threading.current_thread() is threading.main_thread():
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)


class TestFailure(Exception):
    pass


def free_port():
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if r.returncode != 0:
        raise TestFailure("%s failed: %s" % (" ".join(cmd), r.stdout.strip()))
    return r.stdout


def make_esp(path, files, size_mb=64):
    """A FAT32 image holding files: {'\\EFI\\BOOT\\BOOTX64.EFI': source path or bytes}."""
    if os.path.exists(path):
        os.unlink(path)
    with open(path, "wb") as f:
        f.truncate(size_mb * 1024 * 1024)
    run(["mkfs.vfat", "-F", "32", "-n", "PMUVISOR", path])
    made = set()
    staging = path + ".files"
    os.makedirs(staging, exist_ok=True)
    for dest, src in sorted(files.items()):
        parts = dest.strip("\\").split("\\")
        for i in range(1, len(parts)):
            d = "::/" + "/".join(parts[:i])
            if d not in made:
                run(["mmd", "-i", path, d])
                made.add(d)
        if isinstance(src, (bytes, str)) and not (isinstance(src, str) and os.path.isfile(src)):
            tmp = os.path.join(staging, parts[-1])
            with open(tmp, "wb") as f:
                f.write(src.encode() if isinstance(src, str) else src)
            src = tmp
        run(["mcopy", "-i", path, src, "::/" + "/".join(parts)])
    shutil.rmtree(staging, ignore_errors=True)


class SerialLine:
    """One serial port of the emulator, reached as a TCP client."""

    def __init__(self, name, port, log_path):
        self.name = name
        self.port = port
        self.log = open(log_path, "wb")
        self.data = bytearray()
        self.cond = threading.Condition()
        self.sock = None
        self.closed = False

    def connect(self, deadline, alive):
        while time.monotonic() < deadline and alive():
            try:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=1)
                self.sock.settimeout(None)
                threading.Thread(target=self._reader, daemon=True).start()
                return
            except OSError:
                time.sleep(0.1)
        raise TestFailure("%s: could not connect to 127.0.0.1:%d" % (self.name, self.port))

    def _reader(self):
        while True:
            try:
                chunk = self.sock.recv(4096)
            except OSError:
                chunk = b""
            with self.cond:
                if not chunk:
                    self.closed = True
                    self.cond.notify_all()
                    return
                self.data += chunk
                self.log.write(chunk)
                self.log.flush()
                self.cond.notify_all()

    def text(self):
        with self.cond:
            return self.data.decode("latin-1").replace("\r", "")

    def send(self, text):
        self.sock.sendall(text.encode() if isinstance(text, str) else text)

    def close(self):
        if self.sock:
            try:
                self.sock.close()
            except OSError:
                pass
        self.log.close()


class Machine:
    """emulator: 'bochs' or 'qemu'.  files: the ESP content."""

    def __init__(self, test_name, files, emulator="bochs", cpu="corei7_skylake_x",
                 memory=512, ignore_bad_msrs=1, esp_mb=64):
        self.name = test_name
        self.dir = os.path.join(BUILD, "test-logs", test_name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.files = files
        self.emulator = emulator
        self.cpu = cpu
        self.memory = memory
        self.ignore_bad_msrs = ignore_bad_msrs
        self.esp_mb = esp_mb
        self.proc = None
        self.lines = {}
        self.started = None
        self.exited_at = None

    # -- lifecycle -----------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        esp = os.path.join(self.dir, "esp.img")
        make_esp(esp, self.files, self.esp_mb)
        ports = {"com1": free_port(), "com2": free_port()}
        for name, port in ports.items():
            self.lines[name] = SerialLine(name, port, os.path.join(self.dir, name + ".log"))
        cmd = self._bochs_command(esp, ports) if self.emulator == "bochs" \
            else self._qemu_command(esp, ports)
        with open(os.path.join(self.dir, "command"), "w") as f:
            f.write(" ".join(cmd) + "\n")
        # Bochs's 'term' display needs a terminal: give it a pty and drain it.
        master, slave = pty.openpty()
        self.proc = subprocess.Popen(cmd, cwd=self.dir, stdin=slave, stdout=slave,
                                     stderr=slave, start_new_session=True)
        os.close(slave)
        with _live_lock:
            _live.add(self)
        threading.Thread(target=self._drain, args=(master,), daemon=True).start()
        self.started = time.monotonic()
        deadline = self.started + 60
        alive = lambda: self.proc.poll() is None
        try:
            for line in self.lines.values():
                line.connect(deadline, alive)
        except TestFailure:
            self.stop()
            raise TestFailure("%s did not open its serial lines (exit status %s); see %s" %
                              (self.emulator, self.proc.returncode, self.dir))

    def _drain(self, master):
        with open(os.path.join(self.dir, "terminal.log"), "wb") as out:
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                out.write(chunk)
        os.close(master)

    def _bochs_command(self, esp, ports):
        with open(BOCHSRC_TEMPLATE) as f:
            rc = f.read()
        for key, value in {"MEMORY": self.memory, "CPU": self.cpu, "OVMF": OVMF,
                           "ESP": esp, "COM1_PORT": ports["com1"],
                           "COM2_PORT": ports["com2"],
                           "IGNORE_BAD_MSRS": self.ignore_bad_msrs}.items():
            rc = rc.replace("@%s@" % key, str(value))
        with open(os.path.join(self.dir, "bochsrc"), "w") as f:
            f.write(rc)
        # Debian's Bochs has its debugger built in: continue, then quit
        # if the simulation ever stops.
        with open(os.path.join(self.dir, "debugger.rc"), "w") as f:
            f.write("c\nq\n")
        return ["bochs", "-q", "-f", "bochsrc", "-rc", "debugger.rc"]

    def _qemu_command(self, esp, ports):
        cmd = ["qemu-system-x86_64", "-machine", "pc", "-cpu", self.cpu, "-m", str(self.memory),
               "-bios", OVMF, "-drive", "format=raw,file=%s" % esp,
               "-display", "none", "-no-reboot", "-nic", "none", "-monitor", "none"]
        if self.cpu.startswith("host"):
            cmd += ["-enable-kvm"]
        # wait=on: QEMU starts only once the harness is connected, so no
        # early byte is lost.
        for name in ("com1", "com2"):
            cmd += ["-chardev", "socket,id=%s,host=127.0.0.1,port=%d,server=on,wait=%s" %
                    (name, ports[name], "on"),
                    "-serial", "chardev:%s" % name]
        return cmd

    def stop(self):
        if self.proc and self.proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 3), (signal.SIGKILL, 10)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    pass
        for line in self.lines.values():
            line.close()
        self.lines = {}
        for name in os.listdir(self.dir):
            if name.endswith(".lock"):
                os.unlink(os.path.join(self.dir, name))
        with _live_lock:
            _live.discard(self)

    # -- interaction ---------------------------------------------------
    def elapsed(self):
        return time.monotonic() - self.started

    def text(self, line):
        return self.lines[line].text()

    def send(self, line, text):
        self.lines[line].send(text)

    def expect(self, line, pattern, timeout, start=0):
        """Wait until 'pattern' (a regex) appears on 'line' after offset
        'start'; returns the match.  Fails on timeout or emulator exit."""
        rx = re.compile(pattern, re.M)
        serial = self.lines[line]
        deadline = time.monotonic() + timeout
        with serial.cond:
            while True:
                text = serial.data.decode("latin-1").replace("\r", "")
                # Only whole lines: a line still arriving must not match
                # early (once the line is closed, its last line is whole).
                m = rx.search(text if serial.closed else text[:text.rfind("\n") + 1], start)
                if m:
                    return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TestFailure("timeout after %d s waiting on %s for /%s/ (logs: %s)"
                                      % (timeout, line, pattern, self.dir))
                # The emulator's exit can be seen before the last bytes it
                # sent are read: only the end of the line's data is final.
                if serial.closed or (self.proc.poll() is not None and self._exited_for(2)):
                    raise TestFailure("%s exited (status %s) while waiting on %s for /%s/ "
                                      "(logs: %s)" % (self.emulator, self.proc.poll(), line,
                                                       pattern, self.dir))
                serial.cond.wait(min(left, 0.5))

    def _exited_for(self, seconds):
        if self.exited_at is None:
            self.exited_at = time.monotonic()
        return time.monotonic() - self.exited_at > seconds

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
