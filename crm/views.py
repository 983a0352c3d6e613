def attachment_download(request, pk):
    raise NotImplementedError
