"""Reads an STL with trimesh, as a slicer-side check would.

Usage: check_stl.py MODEL.stl

Prints one JSON object: triangle count, watertightness, winding
consistency, volume (mm³) and the bounding box extents (mm).
"""

import json
import sys

import trimesh


def main():
    mesh = trimesh.load(sys.argv[1], file_type="stl", force="mesh")
    print(
        json.dumps(
            {
                "triangles": len(mesh.faces),
                "watertight": bool(mesh.is_watertight),
                "winding_consistent": bool(mesh.is_winding_consistent),
                "volume": float(mesh.volume),
                "extents": [float(e) for e in mesh.extents],
                "min": [float(v) for v in mesh.bounds[0]],
            }
        )
    )


main()
