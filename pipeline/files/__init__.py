"""Files: photo uploads and media sent by chat."""
