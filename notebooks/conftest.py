"""nbval runs each notebook on a throw-away demo event, never on a folder inside the repository."""

import os
import tempfile

os.environ["CERTKIT_EVENT"] = os.path.join(tempfile.mkdtemp(prefix="certkit-nbval-"), "demo-event")
