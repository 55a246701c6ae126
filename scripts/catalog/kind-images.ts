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

export const KIND_NODE_IMAGES: readonly KindNodeImage[] = [
  node(
    "1.29",
    "v1.29.2",
    "51a1434a5397193442f0be2a297b488b6c919ce8a3931be0ce822606ea5ca245",
    "v0.22.0",
    "2024-02-14",
  ),
  node(
    "1.30",
    "v1.30.0",
    "047357ac0cfea04663786a612ba1eaba9702bef25227a794b52890dd8bcd692e",
    "v0.23.0",
    "2024-05-13",
  ),
  node(
    "1.31",
    "v1.31.2",
    "18fbefc20a7113353c7b75b5c869d7145a6abd6269154825872dc59c1329912e",
    "v0.25.0",
    "2024-11-08",
  ),
  node(
    "1.32",
    "v1.32.2",
    "f226345927d7e348497136874b6d207e0b32cc52154ad8323129352923a3142f",
    "v0.27.0",
    "2025-02-14",
  ),
  node(
    "1.33",
    "v1.33.1",
    "050072256b9a903bd914c0b2866828150cb229cea0efe5892e2b644d5dd3b34f",
    "v0.29.0",
    "2025-05-21",
  ),
  node(
    "1.34",
    "v1.34.0",
    "7416a61b42b1662ca6ca89f02028ac133a309a2a30ba309614e8ec94d976dc5a",
    "v0.30.0",
    "2025-08-27",
  ),
  node(
    "1.35",
    "v1.35.0",
    "452d707d4862f52530247495d180205e029056831160e22870e37e3f6c1ac31f",
    "v0.31.0",
    "2025-12-17",
  ),
  node(
    "1.36",
    "v1.36.1",
    "3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5",
    "v0.32.0",
    "2026-06-02",
  ),
];

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
