# Copyright 2026 The correlator authors. SPDX-License-Identifier: Apache-2.0
"""A real Request Tracker 5 (Debian 12 packages) on loopback, for the ticket contract tests.

The recipe is the one verified in the design notes (peer-rt5): a private site config in a
temporary folder (``RT_SITE_CONFIG`` plus an *empty* ``RT_SITE_CONFIG_DIR``, so Debian's
``/etc`` snippets are not read), a SQLite database set up without prompts, an auth token
for root, the ``ExternalId`` ticket custom field on queue General, and a second privileged
user (``alice``) who plays the person taking and resolving tickets in RT. ``rt-server``
(Starlet, 2 workers) listens on ``127.0.0.1:<free port>`` and is ready when
``/REST/2.0/rt`` answers 401. ``scripts/install-rt`` installs the packages; this module
installs nothing.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

RT_SERVER = Path("/usr/share/request-tracker5/libexec/rt-server")
RT_LIB = Path("/usr/share/request-tracker5/lib")
SETUP_DATABASE = "rt-setup-database-5"
_SBIN_PATH = "/usr/local/sbin:/usr/sbin:/sbin"

ROOT_PASSWORD = "password"  # what `rt-setup-database --action init` gives root
PERSON = "alice"  # the person who takes and resolves tickets directly in RT
PERSON_PASSWORD = "alice-test-password"
CUSTOM_FIELD = "ExternalId"

_SITE_CONFIG = """\
Set($rtname, 'rt.test');
Set($Organization, 'test.local');
Set($CorrespondAddress, 'rt@localhost');
Set($CommentAddress, 'rt-comment@localhost');
Set($WebDomain, '127.0.0.1');
Set($WebPort, {port});
Set($WebPath, '');
Set($WebBaseURL, 'http://127.0.0.1:{port}');
Set($DatabaseType, 'SQLite');
Set($DatabaseName, '{db}');
Set($LogToSyslog, undef);
Set($LogToFile, undef);
Set($LogToSTDERR, 'error');
Set($MailCommand, 'mbox');
Set($Timezone, 'UTC');
Set($BcryptCost, 4);
$RT::VarPath         = '{var}';
$RT::MasonDataDir    = '{mason}';
$RT::MasonSessionDir = '{sessions}';
1;
"""

# The custom field the adapter can search by, root's REST token (written to
# $RT_TOKEN_FILE) and alice, a privileged user with the rights to take and resolve.
_INITDATA = """\
@CustomFields = ({{ Name => '{cf}', Type => 'FreeformSingle',
                   LookupType => 'RT::Queue-RT::Ticket', Queue => ['General'] }});
@Users = ({{ Name => '{person}', Password => '{person_password}', Privileged => 1,
            EmailAddress => '{person}@example.com', RealName => 'Alice Operator' }});
@ACL = (map {{ {{ UserId => '{person}', Right => $_, Queue => 'General' }} }}
        qw(SeeQueue ShowTicket OwnTicket TakeTicket ModifyTicket CommentOnTicket
           ReplyToTicket ShowTicketComments SeeCustomField ModifyCustomField));
@Final = (sub {{
    my $user = RT::User->new(RT->SystemUser); $user->Load('root');
    my $tok  = RT::AuthToken->new(RT::CurrentUser->new($user));
    my ($id, $msg, $auth) = $tok->Create(Owner => $user->Id, Description => 'correlator tests');
    die "token create failed: $msg\\n" unless $id;
    open my $fh, '>', $ENV{{RT_TOKEN_FILE}} or die $!; print $fh "$auth\\n"; close $fh;
}});
1;
"""


class RTUnavailableError(RuntimeError):
    """Request Tracker cannot be run here, or did not come up."""


def _setup_database_path() -> str | None:
    path = os.environ.get("PATH", "") + os.pathsep + _SBIN_PATH
    return shutil.which(SETUP_DATABASE, path=path)


def missing_prerequisite() -> str | None:
    """Why RT cannot be started here (packages not installed), or None when it can."""
    if not RT_SERVER.is_file():
        return f"{RT_SERVER} is missing: run scripts/install-rt (Debian 12 request-tracker5)"
    if _setup_database_path() is None:
        return f"{SETUP_DATABASE} is missing: run scripts/install-rt"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child: SIGTERM (never SIGINT, see peer-rt5) when the test process dies."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class RTServer:
    """One RT 5 instance (database, config, logs) under ``work_dir``."""

    def __init__(self, work_dir: Path, *, workers: int = 2) -> None:
        self.work_dir = work_dir
        self.workers = workers
        self.port = _free_port()
        self.log_path = work_dir / "server.log"
        self.token = ""
        self.startup_s = 0.0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The web base URL (what the adapter's ``url`` setting is)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def rest_url(self) -> str:
        return f"{self.url}/REST/2.0"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["RT_SITE_CONFIG"] = str(self.work_dir / "RT_SiteConfig.pm")
        env["RT_SITE_CONFIG_DIR"] = str(self.work_dir / "site.d")  # empty on purpose
        env["RT_TOKEN_FILE"] = str(self.work_dir / "token")
        env["PATH"] = env.get("PATH", "") + os.pathsep + _SBIN_PATH
        return env

    def _write_config(self) -> None:
        for name in ("var", "mason", "sessions", "site.d"):
            (self.work_dir / name).mkdir(parents=True, exist_ok=True)
        (self.work_dir / "RT_SiteConfig.pm").write_text(
            _SITE_CONFIG.format(
                port=self.port,
                db=self.work_dir / "rt.db",
                var=self.work_dir / "var",
                mason=self.work_dir / "mason",
                sessions=self.work_dir / "sessions",
            )
        )
        (self.work_dir / "initdata.pl").write_text(
            _INITDATA.format(cf=CUSTOM_FIELD, person=PERSON, person_password=PERSON_PASSWORD)
        )

    def _setup(self, *args: str) -> None:
        tool = _setup_database_path()
        if tool is None:
            raise RTUnavailableError(f"{SETUP_DATABASE} is missing")
        log = self.work_dir / "setup.log"
        with log.open("ab") as out:
            result = subprocess.run(
                [tool, *args],
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=300,
                check=False,
            )
        if result.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:]
            raise RTUnavailableError(f"{SETUP_DATABASE} {' '.join(args)} failed:\n{tail}")

    def _status(self) -> int | None:
        try:
            with urllib.request.urlopen(f"{self.rest_url}/rt", timeout=2):
                return 200
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return None

    def start(self, timeout_s: float = 120.0) -> None:
        """Set up the database and start rt-server; return once REST 2.0 answers."""
        began = time.monotonic()
        self._write_config()
        self._setup("--action", "init", "--skip-create")
        self._setup("--action", "insert", "--datafile", str(self.work_dir / "initdata.pl"))
        self.token = (self.work_dir / "token").read_text().strip()
        with self.log_path.open("ab") as out:
            self._process = subprocess.Popen(
                [
                    str(RT_SERVER),
                    "--server",
                    "Starlet",
                    "--max-workers",
                    str(self.workers),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads hold locks here
            )
        atexit.register(self.stop)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RTUnavailableError(f"rt-server exited early: {self.log_tail()}")
            if self._status() == 401:  # up, and asking for credentials: ready
                self.startup_s = time.monotonic() - began
                return
            time.sleep(0.2)
        self.stop()
        raise RTUnavailableError(f"rt-server not ready after {timeout_s:.0f} s: {self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM the Starlet parent we started (its workers exit with it) and reap it."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"


if __name__ == "__main__":  # a manual check: start, print how to reach it, wait for Ctrl-C
    import tempfile

    with tempfile.TemporaryDirectory(prefix="rt5-") as tmp:
        server = RTServer(Path(tmp))
        server.start()
        print(f"RT 5 at {server.url} (token {server.token}) in {server.startup_s:.1f} s")
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
