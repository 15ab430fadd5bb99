// The body of POST /admin/members: each change it accepts, and a message naming what is wrong in one
// it refuses (the API answers 400 with it).

import { describe, expect, it } from "vitest";
import { parseMembersChange } from "../../src/api/admin-members.ts";
import { addressFrom } from "../../src/node/members.ts";

describe("POST /admin/members body", () => {
  it("takes add-learner with the new node's URLs, promote and remove", () => {
    const add = parseMembersChange({
      op: "add-learner",
      id: 4,
      client: "http://10.0.0.4:7001",
      peer: "ws://10.0.0.4:7101",
    });
    expect([add.op, add.id]).toEqual(["add-learner", 4]);
    expect(addressFrom(4, add.address!)).toEqual({ id: 4, host: "10.0.0.4", clientPort: 7001, peerPort: 7101 });
    expect(parseMembersChange({ op: "promote", id: 4 })).toEqual({ op: "promote", id: 4 });
    expect(parseMembersChange({ op: "remove", id: 2 })).toEqual({ op: "remove", id: 2 });
  });

  it.each([
    [[], "expected a JSON object"],
    [{ op: "grow", id: 4 }, '"op" must be one of add-learner, promote, remove'],
    [{ op: "promote", id: 0 }, '"id" must be a positive integer'],
    [{ op: "promote", id: "4" }, '"id" must be a positive integer'],
    [{ op: "remove", id: 2, client: "http://h:1" }, 'unknown field "client" for remove'],
    [{ op: "add-learner", id: 4, client: "http://h:7004" }, '"peer" is required for add-learner'],
    [
      { op: "add-learner", id: 4, client: "http://h", peer: "ws://h:7104" },
      '"client": "http://h" needs an explicit port',
    ],
    [{ op: "add-learner", id: 4, client: "http://a:1", peer: "ws://b:2" }, '"peer": host b differs'],
  ])("refuses %j: %s", (body, message) => {
    expect(() => parseMembersChange(body)).toThrow(message);
  });
});
