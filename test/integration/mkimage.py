#!/usr/bin/python3
"""Writes an OCI image layout tarball from a directory, for tests (the real packer is wasm-oci).

usage: mkimage.py OUT.tar REF ROOTFS_DIR ENTRYPOINT_JSON [--platform OS/ARCH]

One uncompressed tar layer holding ROOTFS_DIR, a config with the entrypoint, a manifest and an
index.json that names the image REF (io.containerd.image.name), so `ctr images import` needs no
--base-name. Deterministic: same inputs, same digests.
"""
import hashlib
import io
import json
import os
import sys
import tarfile


def blob(tar, data, media_type):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    info = tarfile.TarInfo("blobs/sha256/" + digest[7:])
    info.size = len(data)
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))
    return {"mediaType": media_type, "digest": digest, "size": len(data)}


def layer_bytes(root):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as t:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(dirnames) + sorted(filenames):
                path = os.path.join(dirpath, name)
                arc = os.path.relpath(path, root)
                info = t.gettarinfo(path, arc)
                info.mtime = 0
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                if info.isfile():
                    with open(path, "rb") as f:
                        t.addfile(info, f)
                else:
                    t.addfile(info)
    return out.getvalue()


def main():
    args = sys.argv[1:]
    platform = "linux/amd64"
    if "--platform" in args:
        i = args.index("--platform")
        platform = args[i + 1]
        del args[i:i + 2]
    if len(args) != 4:
        sys.exit(__doc__)
    out, ref, root, entrypoint = args
    os_name, arch = platform.split("/", 1)
    layer = layer_bytes(root)
    config = {
        "architecture": arch, "os": os_name,
        "config": {"Entrypoint": json.loads(entrypoint), "Env": ["PATH=/"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]},
    }
    with tarfile.open(out, "w") as tar:
        layer_desc = blob(tar, layer, "application/vnd.oci.image.layer.v1.tar")
        config_desc = blob(tar, json.dumps(config, sort_keys=True).encode(),
                           "application/vnd.oci.image.config.v1+json")
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": config_desc, "layers": [layer_desc]}
        manifest_desc = blob(tar, json.dumps(manifest, sort_keys=True).encode(),
                             "application/vnd.oci.image.manifest.v1+json")
        manifest_desc["annotations"] = {"io.containerd.image.name": ref,
                                        "org.opencontainers.image.ref.name": ref.rsplit(":", 1)[-1]}
        manifest_desc["platform"] = {"os": os_name, "architecture": arch}
        for name, data in (("oci-layout", {"imageLayoutVersion": "1.0.0"}),
                           ("index.json", {"schemaVersion": 2, "manifests": [manifest_desc]})):
            raw = json.dumps(data, sort_keys=True).encode()
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))


if __name__ == "__main__":
    main()
