import { describe, expect, it } from "vitest";
import { dnatBatch, dnatChain } from "./dnat.js";

const ID = "238040791bea95de239daaf136237472e227feca7f034081adf4579058753ea1";

describe("published ports in one iptables-restore", () => {
  it("names the chain as portmap does", async () => {
    // The chain portmap 1.1.1 made for this container on the default bridge (iptables -t nat -S).
    expect(await dnatChain("bridge", ID)).toBe("CNI-DN-4536b9ef55cb27b104f0c");
  });

  it("writes portmap's rules, the entry jumps checked and kept", async () => {
    const chain = await dnatChain("bridge", ID);
    const batch = dnatBatch(chain, "bridge", ID, "172.17.0.14", [
      { containerPort: 8080, protocol: "tcp", hostIp: "", hostPort: 32768 },
      { containerPort: 80, protocol: "tcp", hostIp: "127.0.0.1", hostPort: 9999 },
    ]);
    expect(batch.split("\n")).toEqual([
      "*nat",
      ":CNI-DN-4536b9ef55cb27b104f0c - [0:0]",
      "-D PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT",
      "-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT",
      "-D OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT",
      "-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT",
      // As iptables-save printed portmap's own.
      "-A CNI-DN-4536b9ef55cb27b104f0c -p tcp -m tcp --dport 32768 -j DNAT --to-destination 172.17.0.14:8080",
      "-A CNI-DN-4536b9ef55cb27b104f0c -d 127.0.0.1/32 -p tcp -m tcp --dport 9999 -j DNAT --to-destination 172.17.0.14:80",
      `-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"bridge\\" id: \\"${ID}\\"" -m multiport --dports 32768,9999 -j CNI-DN-4536b9ef55cb27b104f0c`,
      "COMMIT",
      "",
    ]);
  });

  it("splits more than 15 host ports over several jumps (multiport's limit)", async () => {
    const mappings = Array.from({ length: 20 }, (_, i) => ({
      containerPort: 1000 + i,
      protocol: "tcp" as const,
      hostIp: "",
      hostPort: 2000 + i,
    }));
    const batch = dnatBatch("CNI-DN-x", "net", ID, "10.0.0.2", mappings);
    const jumps = batch.split("\n").filter((l) => l.startsWith("-A CNI-HOSTPORT-DNAT"));
    expect(jumps).toHaveLength(2);
    expect(jumps[0]).toContain(
      "--dports 2000,2001,2002,2003,2004,2005,2006,2007,2008,2009,2010,2011,2012,2013,2014 ",
    );
    expect(jumps[1]).toContain("--dports 2015,2016,2017,2018,2019 ");
    expect(batch.split("\n").filter((l) => l.startsWith("-A CNI-DN-x"))).toHaveLength(20);
  });
});
