-- A small JSON decoder (objects, arrays, strings with escapes, numbers,
-- true/false/null) for the test fixtures. null decodes to nil, as Argo CD
-- hands the scripts no value for an absent field.
local json = {}

local escapes = {['"'] = '"', ['\\'] = '\\', ['/'] = '/', b = '\b', f = '\f', n = '\n', r = '\r', t = '\t'}

local function fail(text, pos, what)
  local line = select(2, text:sub(1, pos):gsub("\n", "")) + 1
  error(("JSON: %s at line %d"):format(what, line), 0)
end

local function skip(text, pos) return text:find("%S", pos) or #text + 1 end

local value

local function str(text, pos)  -- pos at the opening quote
  local out, i = {}, pos + 1
  while true do
    local c = text:sub(i, i)
    if c == "" then fail(text, pos, "unterminated string") end
    if c == '"' then return table.concat(out), i + 1 end
    if c == "\\" then
      local e = text:sub(i + 1, i + 1)
      if e == "u" then
        local code = tonumber(text:sub(i + 2, i + 5), 16) or fail(text, i, "bad \\u escape")
        if code > 127 then fail(text, i, "non-ASCII \\u escape unsupported") end
        out[#out + 1], i = string.char(code), i + 6
      else
        out[#out + 1], i = escapes[e] or fail(text, i, "bad escape"), i + 2
      end
    else
      out[#out + 1], i = c, i + 1
    end
  end
end

local function list(text, pos, close, item)  -- shared by arrays and objects
  local i = skip(text, pos + 1)
  if text:sub(i, i) == close then return i + 1 end
  while true do
    i = skip(text, item(i))
    local c = text:sub(i, i)
    if c == close then return i + 1 end
    if c ~= "," then fail(text, i, "expected ',' or '" .. close .. "'") end
    i = skip(text, i + 1)
  end
end

function value(text, pos)
  pos = skip(text, pos)
  local c = text:sub(pos, pos)
  if c == "{" then
    local obj = {}
    local after = list(text, pos, "}", function(i)
      if text:sub(i, i) ~= '"' then fail(text, i, "expected a key") end
      local k, j = str(text, i)
      j = skip(text, j)
      if text:sub(j, j) ~= ":" then fail(text, j, "expected ':'") end
      local v
      v, j = value(text, j + 1)
      obj[k] = v
      return j
    end)
    return obj, after
  elseif c == "[" then
    local arr = {}
    local after = list(text, pos, "]", function(i)
      local v, j = value(text, i)
      arr[#arr + 1] = v
      return j
    end)
    return arr, after
  elseif c == '"' then
    return str(text, pos)
  end
  for word, v in pairs({["true"] = true, ["false"] = false, ["null"] = json.null}) do
    if text:sub(pos, pos + #word - 1) == word then
      if v == json.null then return nil, pos + #word end
      return v, pos + #word
    end
  end
  local num = text:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
  if num == nil or num == "" then fail(text, pos, "unexpected '" .. c .. "'") end
  return tonumber(num), pos + #num
end

json.null = {}

function json.decode(text)
  local v, pos = value(text, 1)
  if skip(text, pos) <= #text then fail(text, pos, "trailing characters") end
  return v
end

return json
