"""The read model: the api's response models (:mod:`.schemas`, the only definition of a response) and the
documents built from them at import time (:mod:`.build`, :mod:`.store`), read by the api as stored bytes."""
