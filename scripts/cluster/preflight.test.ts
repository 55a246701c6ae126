import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkHostIpv6 } from "./preflight.ts";

describe("checkHostIpv6 (IPv6 and dual-stack cells)", () => {
  it("passes with IPv6 on, fails with the sysctl to fix it when off, and knows nothing without the file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ssc-preflight-"));
    try {
      const file = join(dir, "disable_ipv6");
      await writeFile(file, "0\n");
      expect(await checkHostIpv6(file)).toMatchObject({ status: "ok", detail: "IPv6 enabled on this host" });
      await writeFile(file, "1\n");
      const off = await checkHostIpv6(file);
      expect(off.status).toBe("fail");
      expect(off.detail).toBe(`IPv6 is disabled on this host (${file} = 1)`);
      expect(off.fix).toMatch(/^sysctl net\.ipv6\.conf\.all\.disable_ipv6=0/);
      expect((await checkHostIpv6(join(dir, "absent"))).status).toBe("ok");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
