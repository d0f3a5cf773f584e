"""Loads an OBJ+MTL+textures zip with trimesh, as a DCC import would.

Usage: check_obj.py MODEL.obj.zip [SOURCE.glb]

Prints one JSON object: the archive's files, the triangle count, whether
every mesh came with texture coordinates and a loaded texture image, and
(with SOURCE.glb, loaded by trimesh as well) whether both carry the same
set of triangle corners, each a position and its UV.
"""

import json
import sys
import zipfile

import numpy as np
import trimesh


def meshes(path, file_type):
    loaded = trimesh.load(path, file_type=file_type, force="scene")
    return list(loaded.dump())


def corners(parts):
    rows = []
    for mesh in parts:
        uv = mesh.visual.uv
        positions = mesh.vertices[mesh.faces].reshape(-1, 3)
        uvs = uv[mesh.faces].reshape(-1, 2)
        rows.append(np.hstack([positions, uvs]))
    table = np.round(np.vstack(rows), 4)
    return table[np.lexsort(table.T[::-1])]


def main():
    with zipfile.ZipFile(sys.argv[1]) as archive:
        files = archive.namelist()
    parts = meshes(sys.argv[1], "zip")
    report = {
        "files": files,
        "triangles": int(sum(len(m.faces) for m in parts)),
        "uvs": all(getattr(m.visual, "uv", None) is not None for m in parts),
        "textured": all(
            getattr(getattr(m.visual, "material", None), "image", None) is not None
            for m in parts
        ),
    }
    if len(sys.argv) > 2:
        source = meshes(sys.argv[2], "glb")
        ours, theirs = corners(parts), corners(source)
        report["source_triangles"] = int(sum(len(m.faces) for m in source))
        report["corners_match"] = bool(
            ours.shape == theirs.shape and np.allclose(ours, theirs, atol=2e-4)
        )
    print(json.dumps(report))


main()
