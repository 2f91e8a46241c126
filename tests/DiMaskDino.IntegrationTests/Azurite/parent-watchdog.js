// Loaded into each Azurite process with `node --require`: exits when the test host that started it is gone, so a
// crashed or killed test run never leaves emulators behind. The parent's pid comes from AZURITE_PARENT_PID.
"use strict";
const parent = Number(process.env.AZURITE_PARENT_PID);
if (Number.isInteger(parent) && parent > 0) {
  setInterval(() => {
    try {
      process.kill(parent, 0); // signal 0: only checks that the process exists
    } catch {
      process.exit(0);
    }
  }, 1000).unref();
}
