"""The API's errors: JSON `{"code": "<stable>", "message": "<Japanese>"}` with the right status.

The codes are part of the API (docs/features.md, I2); the messages follow the request's language
(Japanese by default)."""

from __future__ import annotations

from django.http import JsonResponse


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra):
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def response(self) -> JsonResponse:
        return error_response(self.status, self.code, self.message, **self.extra)


def error_response(status: int, code: str, message: str, **extra) -> JsonResponse:
    return JsonResponse({"code": code, "message": str(message), **extra}, status=status,
                        json_dumps_params={"ensure_ascii": False})
