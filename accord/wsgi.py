import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
application = get_wsgi_application()

# Every route's module loaded now, then what start-up built set aside from the garbage collector:
# some 190,000 objects that live as long as the process. Left in, every full collection walked
# them all, a pause of about 100 ms every few hundred requests of each web worker (gc.freeze:
# about 17,000 objects left to walk, no such pause).
get_resolver().url_patterns  # noqa: B018 - imports the views and the API
gc.collect()
gc.freeze()
