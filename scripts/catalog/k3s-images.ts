import { UsageError } from "../errors.ts";
import { minorOfPatch } from "./minors.ts";

// k3s images for the testcontainers provider. Only the tag testcontainers-node's own k3s module
// tests with is known here (anchors.md §1.5); add others as they are verified.
const K3S_IMAGES: Record<string, string> = {
  "1.36": "rancher/k3s:v1.36.2-k3s1",
};

export function k3sImageFor(kubernetesVersion: string): string {
  const minor = minorOfPatch(kubernetesVersion);
  const image = K3S_IMAGES[minor];
  if (!image) {
    throw new UsageError(
      `--cluster k3s has no image for Kubernetes ${minor} (known: ${Object.keys(K3S_IMAGES).join(", ")}); pass --k8s ${Object.keys(K3S_IMAGES)[0]} or use kind`,
    );
  }
  return image;
}
