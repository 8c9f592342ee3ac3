"""Sync with the central system: Qt-free engine (``engine``), HTTP transport
(``transport``), back-off (``backoff``), enrollment and the device token (``enroll``).
The GUI drives the engine through a thin Qt adapter in ``desktop/ui``."""
