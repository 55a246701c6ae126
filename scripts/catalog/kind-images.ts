import nodeImages from "./data/kind-node-images.json" with { type: "json" };
// Kind node images, pinned by digest, each paired with the kind release that published it.
// Source: ../shared/reference/kind-images.md, read from each kind tag's
// pkg/apis/config/defaults/image.go (the release's default image).
//
// Why one kind release per image instead of one pinned kind for all: kind supports a node image
// only with the kind release it was built for ("best effort with others"), and the default image
// of each release is the one whose digest we could verify from source. The tool manager therefore
// fetches the kind binary the cell's image needs (all are small, cached and SHA-256 verified).
export interface KindNodeImage {
  kubernetes: string; // minor, e.g. "1.36"
  kubernetesPatch: string;
  image: string; // repository:tag@sha256:digest
  kind: string; // the kind release that published it
  kindReleased: string;
}

/** Pinned node images, from data/kind-node-images.json (`npm run catalog:update` rewrites it from
 * kind's GitHub releases: each release's default image, read from pkg/apis/config/defaults/image.go
 * at its tag). */
export interface KindNodeImageRecord {
  kubernetes: string;
  tag: string;
  digest: string;
  kind: string;
  released: string;
}

export const KIND_NODE_IMAGES: readonly KindNodeImage[] = (nodeImages as KindNodeImageRecord[]).map((r) =>
  node(r.kubernetes, r.tag, r.digest, r.kind, r.released),
);

function node(minor: string, tag: string, digest: string, kind: string, released: string): KindNodeImage {
  return {
    kubernetes: minor,
    kubernetesPatch: tag.slice(1),
    image: `kindest/node:${tag}@sha256:${digest}`,
    kind,
    kindReleased: released,
  };
}

export function nodeImageFor(kubernetesMinor: string): KindNodeImage | undefined {
  return KIND_NODE_IMAGES.find((n) => n.kubernetes === kubernetesMinor);
}

export const PINNED_KUBERNETES_MINORS = KIND_NODE_IMAGES.map((n) => n.kubernetes);
