"""django-import-export's confirm step without server errors (security issue 8, point 11).

The confirm form (``process_import``) names the uploaded file in a hidden field. The stock
view opens whatever that field says in the temporary folder: a file removed since the preview
(already imported, a double submit, a cleaned-up temp folder) raises FileNotFoundError (500),
and a made-up name that happens to exist there would be imported. Here a confirmation is only
accepted for a file this session's own preview wrote, and a file that is gone sends the user
back to the import page with a message. Nothing is written in either case.
"""

import functools
import os

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

SESSION_KEY = "kokyaku_pending_imports"
MAX_PENDING = 20  # previews never confirmed are forgotten, oldest first


class ImportFileUnavailable(Exception):
    """The file a confirmation names is not in the temporary storage (any more)."""


@functools.cache
def guarded_storage(base: type) -> type:
    """`base` (a tmp storage class of django-import-export) with a missing file as ImportFileUnavailable."""

    class Guarded(base):
        def read(self):
            if not self.name:  # TempFolderStorage would open (and leak) a new empty temp file
                raise ImportFileUnavailable
            try:
                data = super().read()
            except OSError as exc:  # FileNotFoundError, IsADirectoryError, PermissionError …
                raise ImportFileUnavailable(self.name) from exc
            if data is None:  # CacheStorage: the key expired
                raise ImportFileUnavailable(self.name)
            return data

        def remove(self):
            try:
                super().remove()
            except FileNotFoundError:
                pass

    Guarded.__name__ = Guarded.__qualname__ = f"Guarded{base.__name__}"
    return Guarded


class SafeImportMixin:
    """Put first in the bases of an admin that also inherits ImportExportModelAdmin."""

    import_file_gone_message = _("The uploaded file is no longer available. Please choose the file again.")

    def get_tmp_storage_class(self):
        return guarded_storage(super().get_tmp_storage_class())

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if initial.get("import_file_name"):
            pending = [p for p in request.session.get(SESSION_KEY, []) if p != self._pending_key(initial)]
            request.session[SESSION_KEY] = (pending + [self._pending_key(initial)])[-MAX_PENDING:]
        return initial

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.create_confirm_form(request)
        if form.is_valid():  # an invalid form is the stock view's to answer (its error page)
            key = self._pending_key(form.cleaned_data)
            pending = request.session.get(SESSION_KEY, [])
            if key not in pending:
                return self._import_file_gone(request)
            # Taken before the import: a second submit of the same confirmation finds nothing.
            request.session[SESSION_KEY] = [p for p in pending if p != key]
        try:
            return super().process_import(request, **kwargs)
        except ImportFileUnavailable:
            return self._import_file_gone(request)

    def _pending_key(self, data) -> list[str]:
        # The file with the format and resource its preview used: a confirmation that changes
        # either (an index the admin does not have) is not one this session was offered.
        return [
            self.opts.label_lower,
            os.path.basename(str(data.get("import_file_name") or "")),
            str(data.get("format") or ""),
            str(data.get("resource") or ""),
        ]

    def _import_file_gone(self, request):
        messages.error(request, self.import_file_gone_message)
        opts = self.opts
        return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import", current_app=self.admin_site.name))
