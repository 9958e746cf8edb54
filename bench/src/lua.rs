//! Renders a scenario as a wrk script. Each wrk thread formats the pool once
//! in `init` and hands out the next request in `request`; creations are made
//! up on the fly. `response` counts answers by status and, for non-2xx ones
//! only (to keep the script cheap), by the Zoho `"code"` of the body; `done`
//! adds up every thread's counts and prints them with wrk's own figures as
//! one line: `orgdir-bench {json}` (read by [`crate::wrk`]).

use crate::scenarios::Scenario;

/// The script's fixed part: everything but the data it is given.
const BODY: &str = r#"
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

ok, bad = {}, {}
local requests, next_request, sent, created = {}, 0, 0, 0
local prefix

local function headers(with_body)
  local h = {}
  if authorization then h["Authorization"] = authorization end
  if with_body then h["Content-Type"] = "application/json" end
  return h
end

function init(args)
  prefix = tag .. "t" .. tid
  math.randomseed(tid * 7919 + os.time())
  for line in pool:gmatch("[^\n]+") do
    local method, path, body = line:match("^(%u+) ([^\t]+)\t?(.*)$")
    if body == "" then body = nil end
    requests[#requests + 1] = wrk.format(method, path, headers(body ~= nil), body)
  end
  if #requests > 0 then next_request = (tid * 7919) % #requests end
end

function request()
  sent = sent + 1
  if every > 0 and sent % every == 0 then
    created = created + 1
    local body = string.format(
      '{"users":[{"last_name":"Bench %s-%d","email":"%s-%d@bench.example","role":{"id":"%s"},"profile":{"id":"%s"}}]}',
      prefix, created, prefix, created, roles[math.random(#roles)], profile)
    return wrk.format("POST", "/crm/v8/users", headers(true), body)
  end
  next_request = next_request % #requests + 1
  return requests[next_request]
end

function response(status, _, body)
  if status < 300 then
    ok[status] = (ok[status] or 0) + 1
    return
  end
  local code = string.match(body or "", '"code"%s*:%s*"([%w_]+)"') or ""
  local codes = bad[status]
  if not codes then codes = {}; bad[status] = codes end
  codes[code] = (codes[code] or 0) + 1
end

function done(summary, latency, _)
  local all_ok, all_bad = {}, {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("ok")) do all_ok[status] = (all_ok[status] or 0) + n end
    for status, codes in pairs(thread:get("bad")) do
      all_bad[status] = all_bad[status] or {}
      for code, n in pairs(codes) do all_bad[status][code] = (all_bad[status][code] or 0) + n end
    end
  end
  local answers = {}
  for status, n in pairs(all_ok) do
    answers[#answers + 1] = string.format('[%d,"",%d]', status, n)
  end
  for status, codes in pairs(all_bad) do
    for code, n in pairs(codes) do
      answers[#answers + 1] = string.format('[%d,"%s",%d]', status, code, n)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'orgdir-bench {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"timeout":%d,"answers":[%s]}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.timeout, table.concat(answers, ",")))
end
"#;

/// A Lua string literal of `text` (ASCII without control characters).
fn quote(text: &str) -> String {
    assert!(
        text.chars().all(|c| c.is_ascii() && !c.is_ascii_control()),
        "not a plain ASCII string: {text}"
    );
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The wrk script of `scenario`, sending `authorization` (if any) with
/// every request.
pub fn render(scenario: &Scenario, authorization: Option<&str>) -> String {
    let mut pool = String::new();
    for request in &scenario.pool {
        pool.push_str(request.method);
        pool.push(' ');
        pool.push_str(&request.path);
        if let Some(body) = &request.body {
            pool.push('\t');
            pool.push_str(body);
        }
        pool.push('\n');
    }
    assert!(!pool.contains("]==]"), "the pool cannot be a long string");
    let (every, roles, profile, tag) = match &scenario.creations {
        Some(c) => (
            c.every,
            c.roles.join(" "),
            c.profile.as_str(),
            c.tag.as_str(),
        ),
        None => (0, String::new(), "", ""),
    };
    assert!(
        every > 0 || !scenario.pool.is_empty(),
        "{}: nothing to send",
        scenario.name
    );
    format!(
        "-- orgdir-bench: {name}\n\
         authorization = {authorization}\n\
         every = {every}\n\
         roles = {{}}\n\
         for id in ({roles}):gmatch(\"%S+\") do roles[#roles + 1] = id end\n\
         profile = {profile}\n\
         tag = {tag}\n\
         pool = [==[\n{pool}]==]\n{BODY}",
        name = scenario.name.replace('\n', " "),
        authorization = authorization.map_or_else(|| "nil".to_owned(), quote),
        roles = quote(&roles),
        profile = quote(profile),
        tag = quote(tag),
    )
}
