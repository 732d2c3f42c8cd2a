import { describe, expect, test } from "bun:test";
import { VtraceError } from "../../../src/errors.ts";
import { libvirtChannelsXml, traceChannelElements } from "../../../src/virt/guest-config.ts";
import { domainChannels, missingChannels } from "../../../src/virt/libvirt-xml.ts";

describe("domainChannels()", () => {
  test("reads back the type, source and target of every channel setup-guest prints", () => {
    expect(domainChannels(libvirtChannelsXml("/tmp/trace-cmd/virt", "vm1", 2))).toEqual([
      { type: "unix", source: "/tmp/trace-cmd/virt/agent-ctl-path", target: "agent-ctl-path" },
      { type: "pipe", source: "/tmp/trace-cmd/virt/vm1/trace-path-cpu0", target: "trace-path-cpu0" },
      { type: "pipe", source: "/tmp/trace-cmd/virt/vm1/trace-path-cpu1", target: "trace-path-cpu1" },
    ]);
  });

  test("leaves out what a channel does not say (a spice channel has no path)", () => {
    expect(domainChannels(`<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>`)).toEqual([{ type: "spicevmc", source: undefined, target: "com.redhat.spice.0" }]);
  });
});

describe("missingChannels()", () => {
  const wanted = traceChannelElements("/tmp/trace-cmd/virt", "vm1", 2);

  test("all of them for a domain without any; none once it has them; only the new vCPUs' after more vCPUs", () => {
    expect(missingChannels("vm1", [], wanted).map((c) => c.target)).toEqual(["agent-ctl-path", "trace-path-cpu0", "trace-path-cpu1"]);
    const have = domainChannels(libvirtChannelsXml("/tmp/trace-cmd/virt", "vm1", 2));
    expect(missingChannels("vm1", have, wanted)).toEqual([]);
    expect(missingChannels("vm1", have, traceChannelElements("/tmp/trace-cmd/virt", "vm1", 3)).map((c) => c.target)).toEqual(["trace-path-cpu2"]);
  });

  test("refuses a channel of the same name that goes elsewhere: the guest sees one port of each name", () => {
    const elsewhere = domainChannels(libvirtChannelsXml("/srv/virt", "vm1", 1));
    expect(() => missingChannels("vm1", elsewhere, wanted)).toThrow(VtraceError);
    expect(() => missingChannels("vm1", elsewhere, wanted)).toThrow(
      "domain 'vm1' already has a channel 'agent-ctl-path' (unix /srv/virt/agent-ctl-path), not unix /tmp/trace-cmd/virt/agent-ctl-path: remove it with 'virsh edit vm1', or give the --virt-dir it uses",
    );
  });
});
