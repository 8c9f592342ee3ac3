"""The citizen's tracking page (``/t/{id}``), the same as JSON, and as an SMS reply.

A citizen scans the receipt's QR code (``/t/{ID}?k={SECRET}``) or types the ID from an SMS.
What the page may show is decided by ``central.disclosure`` (the public, or the holder of
the receipt's secret ``k``), and every format renders only that, so no format can leak what
another hides. In short: no reporter data ever; a confidential (*rahasia*) report shows
only its status and their dates without the secret; the staff's notes to the citizen need
the secret on an anonymous or confidential report; internal notes never appear.

Every look-up, in every format, takes a token from the app's rate limiter first: the check
character already turns away 28 of 29 guessed IDs, the limiter makes guessing slow.

The package: ``view`` (the look-up and what it may show), ``sms`` and ``shapes`` (the SMS
reply and the JSON), ``pages`` (the HTML templates), ``routes`` (the HTTP routes).
"""

from central.tracking_page.routes import router
from central.tracking_page.sms import SMS_LIMIT
from central.tracking_page.view import JAKARTA, local_date, local_time

__all__ = ["JAKARTA", "SMS_LIMIT", "local_date", "local_time", "router"]
