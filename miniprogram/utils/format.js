/** Small display helpers shared by the pages. */

const NUMBER_RE = /\d{8}-\d{4,6}/

/** "2024-05-01T09:30:00+08:00" → "2024-05-01 09:30"; a bare date stays as it is. */
function formatTime(iso) {
  if (!iso) return ''
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}))?/.exec(String(iso))
  if (!m) return String(iso)
  return m[2] ? m[1] + ' ' + m[2] : m[1]
}

/** Fields that are an object ({name}) in one response and a string in another. */
function nameOf(value) {
  if (!value) return ''
  if (typeof value === 'object') return value.name || value.label || ''
  return String(value)
}

/** "民生 · 物业管理" for a category object {code, name, parent}. */
function categoryText(category) {
  if (!category) return ''
  if (typeof category !== 'object') return String(category)
  const parent = nameOf(category.parent)
  return parent ? parent + ' · ' + category.name : category.name || ''
}

/** The outcome's label: `outcome_label` when the server sends it, never a bare code. */
function outcomeText(item) {
  if (item.outcome_label) return item.outcome_label
  return item.outcome && typeof item.outcome === 'object' ? nameOf(item.outcome) : ''
}

/** CSS class of a status chip. */
function statusClass(status) {
  return 'chip chip-' + (status || 'unknown')
}

/** Pick an item number (YYYYMMDD-NNNN) out of any text, e.g. a QR code's URL. */
function findNumber(text) {
  const m = NUMBER_RE.exec(String(text || ''))
  return m ? m[0] : ''
}

/** A mini-program code's scene ("i%3D20240501-0001" or "i=…") → the item number, or "". */
function numberFromScene(scene) {
  let s = String(scene || '')
  try {
    s = decodeURIComponent(s)
  } catch (e) {
    // keep it undecoded
  }
  const m = /^i=(\d{8}-\d{4,6})$/.exec(s)
  return m ? m[1] : ''
}

/** The raw `scene` parameter out of a wx.scanCode `path` ("pages/item/item?scene=…"). */
function sceneFromPath(path) {
  const m = /[?&]scene=([^&#]*)/.exec(String(path || ''))
  return m ? m[1] : ''
}

/** Shape one item of a list for display. */
function listItem(item) {
  return {
    number: item.number,
    content: item.content || '',
    status: item.status,
    statusLabel: item.status_label || '',
    statusClass: statusClass(item.status),
    due: item.due || '',
    overdue: !!item.overdue,
    createdAt: formatTime(item.created_at),
    category: categoryText(item.category),
    unit: nameOf(item.unit),
  }
}

/**
 * The page data after loading `page` of a list response `{items, page, total}`:
 * page 1 replaces the list, later pages append; `render` shapes each row.
 */
function pagedData(previous, res, page, render) {
  const fresh = (res.items || []).map(render)
  const items = page === 1 ? fresh : previous.concat(fresh)
  const total = res.total || 0
  return {
    items,
    total,
    page: res.page || page,
    hasMore: items.length < total && fresh.length > 0,
    loading: false,
    loaded: true,
  }
}

/**
 * A community picker's labels: `first` (e.g. 全部社区 / 不清楚) then the office's
 * communities; `index` selects `name` (0, the first label, when it is not listed).
 */
function communityPicker(names, first, name) {
  const labels = [first].concat(names || [])
  const found = name ? labels.indexOf(name, 1) : -1
  return {labels, index: found > 0 ? found : 0}
}

/** The community a picker index means: '' for the first label (none / all). */
function communityAt(labels, index) {
  const i = Number(index)
  return i > 0 && i < labels.length ? labels[i] : ''
}

module.exports = {
  communityPicker,
  communityAt,
  pagedData,
  NUMBER_RE,
  formatTime,
  nameOf,
  categoryText,
  outcomeText,
  statusClass,
  findNumber,
  numberFromScene,
  sceneFromPath,
  listItem,
}
