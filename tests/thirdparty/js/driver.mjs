// Drives Sage's official JavaScript SDK (@intacct/intacct-sdk), unmodified, against the
// offline Intacct emulator, and prints what the SDK parsed as one JSON document on stdout.
//
//   node driver.mjs '<json options>'
//
// options: {
//   "scenario": "session" | "refused-endpoint" | "query" | "read-by-query" | "crud" | "metadata"
//             | "objects",
//   "endpoint": "http://emulator.intacct.com:PORT/ia/xml/xmlgw.phtml",
//   "resolve": {"emulator.intacct.com": "127.0.0.1"},   // in-process name resolution
//   "sender": ["id", "password"], "user": ["id", "password"],
//   ...scenario parameters (see the functions below)
// }
//
// On failure it prints {"error": ..., "errors": [...SDK error lines...]} and exits 1.
//
// Why a name under intacct.com: the SDK's SenderCredentials/SessionCredentials pass every
// endpoint URL through Credentials/Endpoint, which throws unless the host ends in
// ".intacct.com". The name is resolved to the emulator's loopback address here, in this
// process, through the `lookup` option of Node's global HTTP agent (what node-fetch, the
// SDK's HTTP client, uses): no /etc/hosts entry, no DNS, no root.

import dns from "node:dns";
import http from "node:http";

import IA from "@intacct/intacct-sdk";

const { ClientConfig, OnlineClient, SessionProvider } = IA;
const { Functions } = IA;
const { Query, QueryFilter, QuerySelect, QueryOrderBy } = Functions.Common.NewQuery;

function installResolver(names) {
  const lookup = (hostname, options, callback) => {
    if (typeof options === "function") {
      callback = options;
      options = {};
    }
    const address = names[hostname];
    if (address === undefined) {
      dns.lookup(hostname, options, callback);
      return;
    }
    const family = address.includes(":") ? 6 : 4;
    if (options && options.all) {
      callback(null, [{ address, family }]);
    } else {
      callback(null, address, family);
    }
  };
  http.globalAgent = new http.Agent({ keepAlive: false, lookup });
}

function loginConfig(opts, overrides = {}) {
  const config = new ClientConfig();
  config.senderId = opts.sender[0];
  config.senderPassword = opts.sender[1];
  config.userId = opts.user[0];
  config.userPassword = opts.user[1];
  config.companyId = opts.company;
  config.endpointUrl = opts.endpoint;
  return Object.assign(config, overrides);
}

async function sessionClient(opts) {
  return new OnlineClient(await SessionProvider.factory(loginConfig(opts)));
}

function errorLines(err) {
  const lines = err && typeof err.errors !== "undefined" ? err.errors : [];
  return Array.isArray(lines) ? lines.map(String) : [String(lines)];
}

// --- scenarios ------------------------------------------------------------------------

async function session(opts) {
  const config = await SessionProvider.factory(
    loginConfig(opts, opts.entity ? { entityId: opts.entity } : {}),
  );
  const snapshot = {
    sessionId: config.sessionId,
    endpointUrl: config.endpointUrl,
    entityId: config.entityId,
    companyId: config.companyId,
    userId: config.userId,
    sessionTimestamp: config.sessionTimestamp,
    sessionTimeout: config.sessionTimeout,
  };
  // The session is usable: a second getAPISession authenticated by it alone.
  const client = new OnlineClient(config);
  const again = await client.execute(new Functions.ApiSessionCreate());
  const result = again.results[0];
  return {
    ...snapshot,
    reuse: {
      status: result.status,
      functionName: result.functionName,
      sessionId: String(result.data[0].sessionid),
      authenticatedCompany: again.authentication.companyId,
      authenticatedUser: again.authentication.userId,
    },
  };
}

async function refusedEndpoint(opts) {
  try {
    await SessionProvider.factory(loginConfig(opts));
  } catch (err) {
    return { refused: true, message: String(err.message) };
  }
  return { refused: false };
}

async function query(opts) {
  const client = await sessionClient(opts);
  const select = new QuerySelect.SelectBuilder().addFields(opts.fields).selects;
  const order = new QueryOrderBy.OrderBuilder().addAscending("RECORDNO").orders;
  const pages = [];
  const rows = [];
  let offset = 0;
  for (;;) {
    const fn = new Query()
      .assignFromObject(opts.object)
      .assignSelectFields(select)
      .assignOrderBy(order)
      .assignPageSize(opts.pageSize)
      .assignOffset(offset);
    if (opts.equalTo) {
      fn.assignFilter(new QueryFilter.Filter(opts.equalTo[0]).equalTo(opts.equalTo[1]));
    }
    const result = (await client.execute(fn)).results[0];
    pages.push({
      count: result.count,
      totalCount: result.totalCount,
      numRemaining: result.numRemaining,
      listType: result.listType,
    });
    rows.push(...result.data);
    if (!result.numRemaining || pages.length > 1000) break;
    offset += result.count;
  }
  return { pages, rows };
}

async function readByQuery(opts) {
  const client = await sessionClient(opts);
  const first = new Functions.Common.ReadByQuery();
  first.objectName = opts.object;
  first.fields = opts.fields;
  if (opts.pageSize !== undefined) first.pageSize = opts.pageSize;
  let result = (await client.execute(first)).results[0];
  const pages = [];
  const rows = [];
  for (;;) {
    pages.push({
      functionName: result.functionName,
      count: result.count,
      totalCount: result.totalCount,
      numRemaining: result.numRemaining,
      resultId: result.resultId,
    });
    rows.push(...result.data);
    if (!result.numRemaining || pages.length > 1000) break;
    const more = new Functions.Common.ReadMore();
    more.resultId = result.resultId;
    result = (await client.execute(more)).results[0];
  }
  return { pages, rows };
}

async function crud(opts) {
  const client = await sessionClient(opts);
  const readBack = async () => {
    const fn = new Functions.Common.ReadByName();
    fn.objectName = "CLASS";
    fn.names = [opts.classId];
    fn.fields = ["RECORDNO", "CLASSID", "NAME", "DESCRIPTION", "STATUS"];
    const result = (await client.execute(fn)).results[0];
    return result.data;
  };
  const steps = {};

  const create = new Functions.Company.ClassCreate();
  create.classId = opts.classId;
  create.className = opts.name;
  create.description = "created by the official JS SDK";
  create.active = true;
  const created = (await client.execute(create)).results[0];
  steps.create = { status: created.status, functionName: created.functionName, data: created.data };
  steps.afterCreate = await readBack();

  const update = new Functions.Company.ClassUpdate();
  update.classId = opts.classId;
  update.className = opts.newName;
  update.active = false;
  const updated = (await client.execute(update)).results[0];
  steps.update = { status: updated.status, functionName: updated.functionName, data: updated.data };
  steps.afterUpdate = await readBack();

  const remove = new Functions.Company.ClassDelete();
  remove.classId = opts.classId;
  const deleted = (await client.execute(remove)).results[0];
  steps.delete = { status: deleted.status, functionName: deleted.functionName };
  steps.afterDelete = await readBack();
  return steps;
}

async function metadata(opts) {
  const client = await sessionClient(opts);
  const lookup = new Functions.Common.Lookup();
  lookup.objectName = opts.object;
  const inspect = new Functions.Common.Inspect();
  inspect.objectName = opts.object;
  const response = await client.executeBatch([lookup, inspect]);
  return response.results.map((result) => ({
    status: result.status,
    functionName: result.functionName,
    listType: result.listType,
    data: result.data,
  }));
}

// --- objects: the SDK's own Functions classes, driven from data ----------------------
//
// opts.groups = {name: [step, ...]}; every group runs on one session, its steps in order,
// and a failing step is recorded (not thrown) so that one group cannot hide another.
//   {"call": "Company.ContactCreate", "set": {...}, "as": "made"}  new + assign + execute
//   {"read": "CONTACT", "fields": [...], "query": "CONTACTNAME = '{made.key}'"}  readByQuery
// Values: "{made.key}" / "{made.RECORDNO}" come from an earlier step's result (its key, or
// its first record); {"$date": "2026-03-02"} is a Date; {"$new": "AccountsPayable.
// BillLineCreate", "set": {...}} is another SDK object (line items).

function sdkClass(path) {
  const [module, name] = path.split(".");
  const cls = Functions[module] && Functions[module][name];
  if (!cls) throw new Error(`the SDK has no Functions.${path}`);
  return cls;
}

function resolveValue(value, saved) {
  if (typeof value === "string") {
    return value.replace(/\{(\w+)\.(\w+)\}/g, (_, step, field) => {
      const found = saved[step] && saved[step][field];
      if (found === undefined) throw new Error(`no ${field} saved for step ${step}`);
      return String(found);
    });
  }
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, saved));
  if (value && typeof value === "object") {
    if (value.$date) return new Date(`${value.$date}T12:00:00Z`);
    if (value.$new) return build(value.$new, value.set ?? {}, saved);
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, resolveValue(item, saved)]),
    );
  }
  return value;
}

function build(path, set, saved) {
  const Cls = sdkClass(path);
  const fn = new Cls();
  for (const [key, value] of Object.entries(set)) fn[key] = resolveValue(value, saved);
  return fn;
}

function stepFunction(step, saved) {
  if (step.call) return build(step.call, step.set ?? {}, saved);
  const fn = new Functions.Common.ReadByQuery();
  fn.objectName = step.read;
  fn.fields = step.fields;
  fn.query = resolveValue(step.query, saved);
  return fn;
}

async function runStep(client, step, saved) {
  try {
    const fn = stepFunction(step, saved);
    const result = (await client.execute(fn)).results[0];
    const data = (result.data ?? []).map((row) => ({ ...row }));
    const out = {
      status: result.status,
      functionName: result.functionName,
      key: result.key ?? null,
      data,
    };
    if (step.as) saved[step.as] = { key: result.key, ...(data[0] ?? {}) };
    return out;
  } catch (err) {
    return { status: "failure", error: String(err && err.message), errors: errorLines(err) };
  }
}

async function objects(opts) {
  const client = await sessionClient(opts);
  const out = {};
  for (const [name, steps] of Object.entries(opts.groups)) {
    const saved = {};
    out[name] = [];
    for (const step of steps) out[name].push(await runStep(client, step, saved));
  }
  return out;
}

const SCENARIOS = {
  session,
  "refused-endpoint": refusedEndpoint,
  query,
  "read-by-query": readByQuery,
  crud,
  metadata,
  objects,
};

async function main() {
  const opts = JSON.parse(process.argv[2] ?? "{}");
  const scenario = SCENARIOS[opts.scenario];
  if (!scenario) throw new Error(`unknown scenario ${JSON.stringify(opts.scenario)}`);
  installResolver(opts.resolve ?? {});
  return scenario(opts);
}

main().then(
  (result) => {
    process.stdout.write(JSON.stringify(result) + "\n");
  },
  (err) => {
    process.stdout.write(
      JSON.stringify({ error: String(err && err.message), errors: errorLines(err) }) + "\n",
    );
    process.stderr.write(String(err && err.stack) + "\n");
    process.exitCode = 1;
  },
);
