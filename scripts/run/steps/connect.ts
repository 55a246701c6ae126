import { serverVersion } from "../../mesh/kube.ts";
import type { Handler } from "../context.ts";

export const connect: Handler<"connect"> = async (r) => {
  r.o.log(`cluster answers: Kubernetes ${await serverVersion(r.kc())}`);
  r.state.clusterReady = true;
};
