"""Google's OAuth 2.0 token and consent endpoints, emulated for the Sheets API emulator.

Real google-auth code talks to it: service-account keys sign JWTs that are checked against the
key's public half, refresh tokens can be revoked ("Token has been expired or revoked."), and the
desktop consent screen redirects back to the local server of google-auth-oauthlib's flow.
"""

from __future__ import annotations

import secrets
import time
from urllib.parse import parse_qs, urlencode

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import exceptions as google_exceptions
from google.auth import jwt

from tests.sheets_grid import ApiError

SCOPES = "https://www.googleapis.com/auth/spreadsheets https://www.googleapis.com/auth/drive"


class AuthServer:
    """Keys, clients and tokens the emulated Google knows, and its two OAuth endpoints."""

    def __init__(self) -> None:
        self.keys: dict[str, str] = {}  # service-account email -> public key PEM
        self.clients: dict[str, str] = {}  # OAuth client id -> secret
        self.access: dict[str, tuple[str, float]] = {}  # access token -> (principal, expiry)
        self.refresh: dict[str, tuple[str, str]] = {}  # refresh token -> (principal, scope)
        self.codes: dict[str, tuple[str, str]] = {}  # authorization code -> (principal, scope)
        self.user = "organizer@example.org"  # who "signs in" on the consent screen
        self.token_lifetime = 3599

    def issue(self, principal: str, lifetime: float | None = None) -> str:
        """A fresh access token for `principal`."""
        token = "ya29." + secrets.token_urlsafe(24)
        self.access[token] = (principal, time.time() + (lifetime or self.token_lifetime))
        return token

    def principal(self, headers) -> str:
        """Who a request comes from, from its bearer token; 401 like Google when there is none."""
        auth = headers.get("Authorization") or headers.get("authorization") or ""
        token = auth[7:] if auth.startswith("Bearer ") else ""
        who, expiry = self.access.get(token, ("", 0.0))
        if not who or expiry < time.time():
            raise ApiError(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                "login cookie or other valid authentication credential.",
                "authError",
            )
        return who

    def service_account(self, base_url: str, email: str = "") -> dict:
        """A new service-account key file (as downloaded from Google Cloud), known to this server."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        email = email or f"certkit-{secrets.token_hex(3)}@certkit-test.iam.gserviceaccount.com"
        self.keys[email] = (
            key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )
        private = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        return {
            "type": "service_account",
            "project_id": "certkit-test",
            "private_key_id": secrets.token_hex(20),
            "private_key": private,
            "client_email": email,
            "client_id": str(secrets.randbelow(10**20)),
            "auth_uri": f"{base_url}/o/oauth2/auth",
            "token_uri": f"{base_url}/token",
            "universe_domain": "googleapis.com",
        }

    def oauth_client(self, base_url: str) -> dict:
        """A new "Desktop app" OAuth client file (client_secret_....json)."""
        client_id = f"{secrets.randbelow(10**12)}-test.apps.googleusercontent.com"
        self.clients[client_id] = "GOCSPX-" + secrets.token_urlsafe(18)
        return {
            "installed": {
                "client_id": client_id,
                "project_id": "certkit-test",
                "auth_uri": f"{base_url}/o/oauth2/auth",
                "token_uri": f"{base_url}/token",
                "client_secret": self.clients[client_id],
                "redirect_uris": ["http://localhost"],
            }
        }

    def authorized_user(self, client: dict, principal: str = "", scope: str = SCOPES) -> dict:
        """A saved sign-in (authorized_user JSON with a refresh token) for an OAuth client."""
        info = client["installed"]
        token = "1//" + secrets.token_urlsafe(30)
        self.refresh[token] = (principal or self.user, scope)
        return {
            "type": "authorized_user",
            "client_id": info["client_id"],
            "client_secret": info["client_secret"],
            "refresh_token": token,
            "token_uri": info["token_uri"],
            "scopes": scope.split(),
        }

    def token_endpoint(self, body: bytes, token_uri: str) -> tuple[int, dict]:
        """POST /token: JWT bearer (service accounts), refresh_token and authorization_code grants."""
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        grant = form.get("grant_type", "")
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return self._jwt_grant(form.get("assertion", ""))
        if form.get("client_id") and self.clients.get(form["client_id"]) != form.get("client_secret"):
            return 401, {"error": "invalid_client", "error_description": "The OAuth client was not found."}
        if grant == "refresh_token":
            who, scope = self.refresh.get(form.get("refresh_token", ""), ("", ""))
            if not who:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                }
            return 200, self._grant(who, scope)
        if grant == "authorization_code":
            who, scope = self.codes.pop(form.get("code", ""), ("", ""))
            if not who:
                return 400, {"error": "invalid_grant", "error_description": "Malformed auth code."}
            reply = self._grant(who, scope)
            reply["refresh_token"] = "1//" + secrets.token_urlsafe(30)
            self.refresh[reply["refresh_token"]] = (who, scope)
            return 200, reply
        return 400, {"error": "unsupported_grant_type", "error_description": f"Invalid grant_type: {grant}"}

    def _jwt_grant(self, assertion: str) -> tuple[int, dict]:
        try:
            claims = jwt.decode(assertion, verify=False)
            public = self.keys.get(claims.get("iss", ""), "")
            if not public:
                raise google_exceptions.InvalidValue("unknown key")
            jwt.decode(assertion, certs=public, clock_skew_in_seconds=10)
        except (google_exceptions.GoogleAuthError, ValueError):
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        return 200, self._grant(claims["iss"], claims.get("scope", SCOPES))

    def _grant(self, principal: str, scope: str) -> dict:
        return {
            "access_token": self.issue(principal),
            "expires_in": self.token_lifetime,
            "scope": scope,
            "token_type": "Bearer",
        }

    def consent(self, query: dict[str, list[str]]) -> tuple[int, dict]:
        """GET /o/oauth2/auth: the user agrees at once; redirect back with a code (or an error)."""
        q = {k: v[0] for k, v in query.items()}
        if q.get("client_id") not in self.clients:
            return 401, {"error": "invalid_client", "error_description": "The OAuth client was not found."}
        code = "4/" + secrets.token_urlsafe(24)
        self.codes[code] = (self.user, q.get("scope", SCOPES))
        back = urlencode({"state": q.get("state", ""), "code": code, "scope": q.get("scope", "")})
        sep = "&" if "?" in q["redirect_uri"] else "?"
        return 302, {"Location": f"{q['redirect_uri']}{sep}{back}"}
