"""A staff member's own sign-in to the clinic's server, from a front desk.

- The clinic's devices, managed by its administrator (`/api/devices`). Online only: the devices
  are the server's to list, enroll and withdraw. The administrator signs in to the server for it
  with their password and authenticator code (a second check for a step that lets a new machine
  into the clinic, or cuts one off). The desk's own sync credential plays no part: a desk cannot
  manage devices by itself.
- An Admin's or Manager's authenticator code at the desk's sign-in (`server_accepts_sign_in`):
  the TOTP secret never leaves the server, so an enrolled desk asks the server to check it.
"""

from __future__ import annotations

import uuid
from typing import Final

import httpx

from common.sync.client import TIMEOUT, ServerRefused, answer_json, check_server_url, server_tls
from common.sync.devices import ClinicDevice, EnrollmentCode
from common.sync.models import DeviceKind

_LOCALE_HEADERS: Final = {"en": "en", "zh_TW": "zh-TW", "zh_CN": "zh-CN", "ja": "ja"}


class DeviceAdmin:
    """One administrator's sign-in to the clinic's server, for its device routes."""

    def __init__(self, server_url: str, clinic_id: uuid.UUID, locale: str) -> None:
        self.clinic_id = clinic_id
        self._http = httpx.Client(
            base_url=check_server_url(server_url),
            headers={"Accept-Language": _LOCALE_HEADERS.get(locale, "en")},
            timeout=TIMEOUT,
            verify=server_tls(),
        )
        self._signed_in = False

    @property
    def signed_in(self) -> bool:
        return self._signed_in

    def sign_in(self, email: str, password: str, totp_code: str) -> None:
        """ServerRefused (translated) for a wrong password or code, a locked account, a role
        without a second factor; httpx.TransportError when the server cannot be reached."""
        body = {
            "clinic_id": str(self.clinic_id),
            "email": email,
            "password": password,
            "totp_code": totp_code,
        }
        answer = answer_json(self._http.post("/api/auth/staff/login", json=body))
        self._http.headers["Authorization"] = f"Bearer {answer['access_token']}"
        self._signed_in = True

    def devices(self) -> list[ClinicDevice]:
        return [ClinicDevice.model_validate(item) for item in answer_json(self._http.get("/api/devices"))]

    def new_code(self, kind: DeviceKind) -> EnrollmentCode:
        made = self._http.post("/api/devices/enrollment-codes", json={"kind": kind.value})
        return EnrollmentCode.model_validate(answer_json(made))

    def withdraw(self, device_id: uuid.UUID) -> ClinicDevice:
        return ClinicDevice.model_validate(answer_json(self._http.post(f"/api/devices/{device_id}/withdraw")))

    def close(self) -> None:
        """End the sign-in on the server (best effort: it ends by itself within 15 minutes)."""
        try:
            if self._signed_in:
                self._http.post("/api/auth/logout")
        except httpx.HTTPError:
            pass
        finally:
            self._signed_in = False
            self._http.headers.pop("Authorization", None)
            self._http.close()


def server_accepts_sign_in(
    server_url: str, clinic_id: uuid.UUID, email: str, password: str, totp_code: str
) -> bool:
    """Whether the server accepts this password and authenticator code (the sign-in it opens is
    ended again at once); httpx.TransportError when it cannot be reached."""
    client = DeviceAdmin(server_url, clinic_id, "en")
    try:
        client.sign_in(email, password, totp_code)
    except ServerRefused:
        return False  # wrong, locked, throttled: the desk refuses the sign-in as it would its own
    finally:
        client.close()
    return True
