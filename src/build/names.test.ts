import { copyFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirs } from "../files/testing/temp.js";
import { validateRoot } from "../images/testing/validate.js";
import { build } from "./build.js";

const temp = tempDirs("wharf-build-names-");

describe("step names", () => {
  it("show ENV and ARG values as BuildKit does; RUN keeps quotes and unset variables, masks secret env", async () => {
    const ctx = temp();
    copyFileSync("/bin/busybox", join(ctx, "busybox"));
    writeFileSync(
      join(ctx, "Dockerfile"),
      `FROM scratch
ARG DIR=/opt/tools
ENV BIN=/bin
COPY busybox $BIN/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
WORKDIR $DIR/work
RUN --mount=type=secret,id=tok,env=TOKEN echo "in $DIR" $HOME $TOKEN > /dev/null
`,
    );
    const chunks: string[] = [];
    const out = { write: (s: string) => chunks.push(String(s)) > 0 } as unknown as NodeJS.WritableStream;
    const root = temp();
    await build({
      root,
      context: ctx,
      progress: "plain",
      progressOut: out,
      env: { T: "secret-value" },
      secrets: [{ id: "tok", env: "T" }],
      buildArgs: { DIR: "/srv" },
    });
    const text = chunks.join("");
    expect(text).toMatch(/#\d+ \[1\/4\] COPY busybox \/bin\/busybox\n/);
    expect(text).toMatch(/#\d+ \[3\/4\] WORKDIR \/srv\/work\n/);
    expect(text).toContain(
      '[4/4] RUN --mount=type=secret,id=tok,env=TOKEN echo "in /srv" $HOME **** > /dev/null\n',
    );
    expect(text).not.toContain("secret-value");
    await validateRoot(root);
  });
});
