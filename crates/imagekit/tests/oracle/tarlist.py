"""Print a tar stream as Python's tarfile reads it, in the format of tarlist.go."""
import hashlib
import sys
import tarfile

try:
    with tarfile.open(sys.argv[1], "r:") as tar:
        for m in tar:
            data = tar.extractfile(m).read() if m.isreg() else b""
            kind = m.type.decode("latin-1")
            name = m.name.encode("utf-8", "surrogateescape").hex()
            link = m.linkname.encode("utf-8", "surrogateescape").hex()
            print(f"{kind}\t{name}\t{link}\t{m.size}\t{m.uid}\t{m.gid}\t{hashlib.sha256(data).hexdigest()}")
except Exception as e:  # every failure is a finding, printed like Go's
    print(f"error\t{type(e).__name__}: {e}")
