// The cluster IP families a cell can run (kind's networking.ipFamily). A leaf, like profiles.ts:
// plan, registry, render and reports all name families. IPv4 is the default cell; IPv6-only and
// dual-stack cells are extended (opt-in with --ip-family), since the secure listeners bind one
// wildcard address and the documented jobs write "IP:PORT" without brackets (issue 15, item 10).
export type IpFamily = "ipv4" | "ipv6" | "dual";
export const IP_FAMILIES: readonly IpFamily[] = ["ipv4", "ipv6", "dual"];
export const DEFAULT_IP_FAMILY: IpFamily = "ipv4";

/** The suffix a cell id carries for its family: none for IPv4, so the ids of IPv4 cells are
 * those every earlier report and CI matrix used. */
export const ipFamilySuffix = (family: IpFamily): string => (family === "ipv4" ? "" : `-${family}`);

export const IP_FAMILY_NAMES: Record<IpFamily, string> = {
  ipv4: "IPv4",
  ipv6: "IPv6-only",
  dual: "dual-stack",
};
