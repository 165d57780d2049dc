"""``python -m pop3_mail_daemon`` is the ``pop3-mail`` command."""

import sys

from .cli import main

sys.exit(main())
