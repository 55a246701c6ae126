// What a cluster runs before the suite deploys anything, as resource requests, so `plan` can say
// whether a cell fits a machine. Sources read in upstream code (helper research, 2026-12):
// - kind v0.22..v0.32, one control-plane node: kubeadm's static pods (controlplane/manifests.go:
//   apiserver 250m, controller-manager 200m, scheduler 100m; etcd/local.go: 100m/100Mi), kubeadm's
//   CoreDNS (2 replicas of 100m/70Mi), kind's kindnet (pkg/build/nodeimage/const_cni.go: 100m/50Mi);
//   kube-proxy and local-path-provisioner request nothing. Sum: 950m, 290Mi.
// - k3s: its CoreDNS (100m/70Mi) and metrics-server (100m/70Mi); UNVERIFIED against k3s's own
//   manifests here, an estimate in the same shape as kubeadm's.
// - prometheus-operator v0.93.0's Deployment (example/rbac/prometheus-operator/
//   prometheus-operator-deployment.yaml: 100m/100Mi), and the config-reloader it adds to every
//   Prometheus pod (cmd/operator/main.go defaults: 10m/50Mi).
export interface NamedRequests {
  name: string;
  cpu: string;
  memory: string;
}

export const KIND_SYSTEM_REQUESTS: readonly NamedRequests[] = [
  { name: "kube-apiserver", cpu: "250m", memory: "0" },
  { name: "kube-controller-manager", cpu: "200m", memory: "0" },
  { name: "kube-scheduler", cpu: "100m", memory: "0" },
  { name: "etcd", cpu: "100m", memory: "100Mi" },
  { name: "coredns (2 replicas)", cpu: "200m", memory: "140Mi" },
  { name: "kindnet", cpu: "100m", memory: "50Mi" },
];

export const K3S_SYSTEM_REQUESTS: readonly NamedRequests[] = [
  { name: "coredns", cpu: "100m", memory: "70Mi" },
  { name: "metrics-server", cpu: "100m", memory: "70Mi" },
];

export const PROMETHEUS_OPERATOR_REQUESTS: NamedRequests = {
  name: "prometheus-operator",
  cpu: "100m",
  memory: "100Mi",
};
export const CONFIG_RELOADER_REQUESTS = { cpu: "10m", memory: "50Mi" } as const;
