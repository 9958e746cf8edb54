//! Renders a scenario as a wrk script. Each wrk thread cycles through the
//! pool from its own starting point, formatting each request the first time
//! it sends it; creations are made up on the fly. `response` counts answers
//! by status and, for non-2xx ones only (to keep the script cheap), by the
//! Zoho `"code"` of the body; `done` adds up every thread's counts and
//! prints them with wrk's own figures as one line, `orgdir-bench {json}`,
//! which [`crate::wrk`] reads.

use crate::scenarios::Scenario;

/// The script's fixed part: everything but the data it is given.
const BODY: &str = r#"
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

ok, bad = {}, {}
local lines, requests, next_request, sent, created = {}, {}, 0, 0, 0
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
  for line in pool:gmatch("[^\n]+") do lines[#lines + 1] = line end
  if #lines > 0 then next_request = (tid * 7919) % #lines end
end

-- Formats a pool request the first time it is sent: init stays short, so
-- that one thread does not start long before the other.
local function formatted(n)
  local r = requests[n]
  if not r then
    local method, path, body = lines[n]:match("^(%u+) ([^\t]+)\t?(.*)$")
    if body == "" then body = nil end
    r = wrk.format(method, path, headers(body ~= nil), body)
    requests[n] = r
  end
  return r
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
  next_request = next_request % #lines + 1
  return formatted(next_request)
end

function response(status, _, body)
  if status < 300 then
    ok[status] = (ok[status] or 0) + 1
    return
  end
  local key = status .. " " .. (string.match(body or "", '"code"%s*:%s*"([%w_]+)"') or "")
  bad[key] = (bad[key] or 0) + 1
end

-- (`bad` stays flat: wrk cannot hand nested tables from a thread to `done`.)
function done(summary, latency, _)
  local all_ok, all_bad = {}, {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("ok")) do all_ok[status] = (all_ok[status] or 0) + n end
    for key, n in pairs(thread:get("bad")) do all_bad[key] = (all_bad[key] or 0) + n end
  end
  local answers = {}
  for status, n in pairs(all_ok) do
    answers[#answers + 1] = string.format('[%d,"",%d]', status, n)
  end
  for key, n in pairs(all_bad) do
    local status, code = key:match("^(%d+) (.*)$")
    answers[#answers + 1] = string.format('[%s,"%s",%d]', status, code, n)
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
