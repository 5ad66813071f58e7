"""The shipped nginx site (deploy/nginx/anxin.conf): nginx accepts it with a real certificate, its limits
match the app's route by route, and a client talking to it sees TLS, HSTS, the redirect and the limits."""

from __future__ import annotations

import datetime as dt
import os
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.edge.bodylimits import BODY_LIMIT, IMPORT_BODY_LIMIT, PHOTO_BODY_LIMIT, WECHAT_BODY_LIMIT
from config import Config
from tests.support.serving import free_port

ROOT = Path(__file__).resolve().parents[2]
NGINX_SITE = ROOT / "deploy" / "nginx" / "anxin.conf"
CERT = "/etc/letsencrypt/live/anxin.example.com/fullchain.pem"
KEY = "/etc/letsencrypt/live/anxin.example.com/privkey.pem"
ONE_YEAR = 365 * 24 * 3600


# -- a small reader of nginx's configuration language ---------------------------------------------

@dataclass
class Directive:
    name: str
    args: list[str]
    block: list[Directive] = field(default_factory=list)

    def all(self, name: str) -> list[Directive]:
        return [d for d in self.block if d.name == name]

    def one(self, name: str) -> Directive | None:
        found = self.all(name)
        assert len(found) <= 1, f"{name} set twice in {self.name} {self.args}"
        return found[0] if found else None


_TOKEN = re.compile(r"""#[^\n]*|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([{};])|([^\s{};"'#]+)""")


def parse(text: str) -> Directive:
    """The file as a tree of directives (comments dropped, quotes removed)."""
    root = Directive("main", [])
    stack: list[Directive] = [root]
    words: list[str] = []
    for m in _TOKEN.finditer(text):
        if m.group(0).startswith("#") and not words:
            continue
        if m.group(3) == ";":
            stack[-1].block.append(Directive(words[0], words[1:]))
            words = []
        elif m.group(3) == "{":
            child = Directive(words[0], words[1:])
            stack[-1].block.append(child)
            stack.append(child)
            words = []
        elif m.group(3) == "}":
            assert not words, words
            stack.pop()
        else:
            words.append(next(g for g in m.groups() if g is not None))
    assert len(stack) == 1 and not words, "unbalanced braces"
    return root


def location_for(server: Directive, uri: str) -> Directive | None:
    """The location nginx chooses for ``uri`` (exact, then longest prefix unless ^~, then regexes in order)."""
    prefix: Directive | None = None
    for loc in server.all("location"):
        if loc.args[0] == "=" and loc.args[1] == uri:
            return loc
        path = loc.args[1] if loc.args[0] == "^~" else loc.args[0]
        longer = prefix is None or len(path) > len(prefix.args[-1])
        if loc.args[0] not in ("=", "~", "~*") and uri.startswith(path) and longer:
            prefix = loc
    if prefix is not None and prefix.args[0] == "^~":
        return prefix
    for loc in server.all("location"):
        if loc.args[0] in ("~", "~*") and re.search(loc.args[1], uri, re.I if loc.args[0] == "~*" else 0):
            return loc
    return prefix


def effective(server: Directive, uri: str, name: str) -> list[str]:
    """A directive's value for ``uri``: the location's own, else the server's (nginx's inheritance)."""
    loc = location_for(server, uri)
    own = loc.one(name) if loc is not None else None
    inherited = server.one(name)
    found = own or inherited
    assert found is not None, f"{name} not set for {uri}"
    return found.args


def size(value: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    return int(value[:-1]) * units[value[-1].lower()] if value[-1].lower() in units else int(value)


def seconds(value: str) -> int:
    return int(value[:-1]) * {"s": 1, "m": 60}[value[-1]] if value[-1] in "sm" else int(value)


@pytest.fixture(scope="module")
def site() -> Directive:
    return parse(NGINX_SITE.read_text())


def _servers(site: Directive) -> tuple[Directive, Directive]:
    tls = [s for s in site.all("server") if any("ssl" in d.args for d in s.all("listen"))]
    plain = [s for s in site.all("server") if s not in tls]
    assert len(tls) == 1 and len(plain) == 1
    return plain[0], tls[0]


# -- what the file says -----------------------------------------------------------------------------

@pytest.mark.parametrize(("uri", "limit"), [
    ("/wechat", WECHAT_BODY_LIMIT),
    ("/console/workers/import", IMPORT_BODY_LIMIT),
    ("/admin/v1/workers/import", IMPORT_BODY_LIMIT),
    ("/console/workers/17/photo", PHOTO_BODY_LIMIT),
    ("/admin/v1/workers/17/photo", PHOTO_BODY_LIMIT),
    ("/console/workers/new", BODY_LIMIT),
    ("/console/engagements/new", BODY_LIMIT),
    ("/mp/v1/engagements/3/entries", BODY_LIMIT),
    ("/admin/v1/workers", BODY_LIMIT),
    ("/console/workers/import/x", BODY_LIMIT),  # only the import route itself takes spreadsheets
    ("/wechat/x", BODY_LIMIT),
])
def test_body_limits_match_the_app_route_by_route(site: Directive, uri: str, limit: int) -> None:
    _, tls = _servers(site)
    assert size(effective(tls, uri, "client_max_body_size")[0]) == limit


def test_the_app_and_the_proxy_agree_on_wechats_default(site: Directive) -> None:
    assert Config.ANXIN_WECHAT_MAX_BODY == WECHAT_BODY_LIMIT


def test_exports_outlast_the_keepsake_bound_and_the_rest_keep_30_s(site: Directive) -> None:
    _, tls = _servers(site)
    for uri in ("/mp/v1/engagements/3/export.pdf", "/console/badges.pdf", "/console/badges/ABCDE/card.png",
                "/admin/v1/badges/ABCDE/card.png"):
        for name in ("proxy_read_timeout", "proxy_send_timeout"):
            assert seconds(effective(tls, uri, name)[0]) == 60, (uri, name)
    assert seconds(effective(tls, "/mp/v1/login", "proxy_read_timeout")[0]) == 30
    assert seconds(effective(tls, "/wechat", "proxy_read_timeout")[0]) == 10  # WeChat waits 5 s, then retries


def test_tls_hsts_and_no_version_in_answers(site: Directive) -> None:
    plain, tls = _servers(site)
    assert all("443" in d.args[0] and "ssl" in d.args for d in tls.all("listen"))
    assert {"http2"} <= {a for d in tls.all("listen") for a in d.args} or tls.one("http2") is not None
    assert tls.one("ssl_protocols").args == ["TLSv1.2", "TLSv1.3"]  # type: ignore[union-attr]
    assert tls.one("ssl_certificate").args == [CERT] and tls.one("ssl_certificate_key").args == [KEY]  # type: ignore[union-attr]
    hsts = [d.args for d in tls.all("add_header") if d.args[0] == "Strict-Transport-Security"]
    assert len(hsts) == 1 and hsts[0][-1] == "always"
    max_age = re.search(r"max-age=(\d+)", hsts[0][1])
    assert max_age is not None and int(max_age.group(1)) >= ONE_YEAR
    # add_header in a location would silently drop the server's HSTS header for that location.
    assert not any(loc.all("add_header") for loc in tls.all("location"))
    for server in (plain, tls):
        assert server.one("server_tokens").args == ["off"]  # type: ignore[union-attr]
    # Port 80 answers the ACME challenge from disk and sends everything else to https.
    acme = location_for(plain, "/.well-known/acme-challenge/token123")
    assert acme is not None and acme.one("root") is not None and acme.one("return") is None
    other = location_for(plain, "/wechat")
    assert other is not None and other.one("return").args == ["301", "https://$host$request_uri"]  # type: ignore[union-attr]


# -- what nginx says, and what a client sees -----------------------------------------------------

def _nginx() -> str:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install -y nginx)")
    return nginx


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "anxin.example.com")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("anxin.example.com")]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _prepare(folder: Path, http_port: int = 80, https_port: int = 443, upstream: str = "127.0.0.1:8000") -> Path:
    """The site as installed, with the settings at its top pointed into ``folder``; returns nginx.conf."""
    cert, key = _self_signed(folder)
    (folder / "acme" / ".well-known" / "acme-challenge").mkdir(parents=True)
    (folder / "acme" / ".well-known" / "acme-challenge" / "token123").write_text("token123.thumbprint")
    text = NGINX_SITE.read_text()
    for old, new in ((CERT, str(cert)), (KEY, str(key)), ("/var/log/nginx/", f"{folder}/"),
                     ("/var/www/acme", str(folder / "acme")), ("server 127.0.0.1:8000;", f"server {upstream};")):
        assert old in text, old
        text = text.replace(old, new)
    text = re.sub(r"listen (\[::\]:)?443 ", f"listen \\g<1>{https_port} ", text)
    text = re.sub(r"listen (\[::\]:)?80;", f"listen \\g<1>{http_port};", text)
    (folder / "anxin.conf").write_text(text)
    conf = folder / "nginx.conf"
    # pytest's folders are private to their owner: nginx's workers must run as that owner to read them.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    conf.write_text(
        f"{user}pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\nevents {{}}\n"
        f"http {{\n  access_log {folder}/access.log;\n  client_body_temp_path {folder};\n"
        f"  proxy_temp_path {folder};\n  include {folder}/anxin.conf;\n}}\n"
    )
    return conf


def test_the_nginx_site_passes_nginx_t_with_its_tls_block(tmp_path: Path) -> None:
    nginx = _nginx()
    conf = _prepare(tmp_path)
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(conf)],
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


@pytest.fixture
def nginx_in_front(tmp_path: Path, live_server: str) -> Iterator[tuple[str, str]]:
    """nginx with the shipped site on two free ports, proxying to the app; yields (http, https) origins."""
    nginx = _nginx()
    http_port, https_port = free_port(), free_port()
    conf = _prepare(tmp_path, http_port, https_port, live_server.removeprefix("http://"))
    text = (tmp_path / "anxin.conf").read_text().replace("listen [::]", "# listen [::]")  # no IPv6 needed here
    (tmp_path / "anxin.conf").write_text(text)
    log = tmp_path / "nginx.out"
    with log.open("w") as out:
        proc = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"],
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        yield f"http://127.0.0.1:{http_port}", f"https://127.0.0.1:{https_port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _https(origin: str, method: str, path: str, **kw: object) -> requests.Response:
    # The certificate is self-signed for anxin.example.com; what is checked here is nginx's behaviour.
    return requests.request(method, origin + path, verify=False, timeout=10,
                            headers={"Host": "anxin.example.com"}, **kw)  # type: ignore[arg-type]


@pytest.mark.slow
def test_a_client_sees_tls_hsts_the_redirect_and_the_limits(nginx_in_front: tuple[str, str]) -> None:
    import warnings

    from urllib3.exceptions import InsecureRequestWarning

    http, https = nginx_in_front
    warnings.simplefilter("ignore", InsecureRequestWarning)
    moved = requests.get(http + "/healthz?x=1", headers={"Host": "anxin.example.com"}, allow_redirects=False,
                         timeout=10)
    assert moved.status_code == 301 and moved.headers["Location"] == "https://anxin.example.com/healthz?x=1"
    acme = requests.get(http + "/.well-known/acme-challenge/token123", headers={"Host": "anxin.example.com"},
                        allow_redirects=False, timeout=10)
    assert acme.status_code == 200 and acme.text == "token123.thumbprint"  # from the webroot, not redirected

    ok = _https(https, "GET", "/healthz")
    assert ok.status_code == 200 and ok.json()["ok"] is True
    assert int(re.search(r"max-age=(\d+)", ok.headers["Strict-Transport-Security"]).group(1)) >= ONE_YEAR  # type: ignore[union-attr]
    assert ok.headers["Server"] == "nginx"  # no version

    # Bodies over a route's limit stop at nginx (413, still with HSTS); bodies within it reach the app.
    big_push = _https(https, "POST", "/wechat", data=b"x" * (Config.ANXIN_WECHAT_MAX_BODY + 1))
    assert big_push.status_code == 413 and "Strict-Transport-Security" in big_push.headers
    assert _https(https, "POST", "/wechat", data=b"<xml/>").status_code == 403  # the app: no signature
    assert _https(https, "POST", "/mp/v1/login", data=b"x" * (1024**2 + 1)).status_code == 413
    spreadsheet = _https(https, "POST", "/console/workers/import", data=b"x" * (2 * 1024**2))
    # The app's own page (no session, no CSRF token), not nginx's 413.
    assert spreadsheet.status_code == 400 and "安心机构后台" in spreadsheet.text

    port = int(https.rsplit(":", 1)[1])
    for version in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):  # both offered, as WeChat's clients need
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        context.minimum_version = context.maximum_version = version
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, \
                context.wrap_socket(raw, server_hostname="anxin.example.com") as tls:
            assert tls.version() == version.name.replace("v1_", "v1.")
