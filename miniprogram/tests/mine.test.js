const h = require('./helpers')

const STATUS = {
  collected: '已收集', classified: '待领办', claimed: '办理中', resolved: '待评议', closed: '已办结',
}

function item(n, extra) {
  const number = '20240501-' + String(n).padStart(4, '0')
  return Object.assign({
    number,
    status: 'claimed',
    status_label: STATUS.claimed,
    round: 1,
    content: '第' + n + '件诉求的内容',
    category: {code: 'property', name: '物业管理', parent: '民生'},
    unit: {id: 3, name: '建设办'},
    due: '2024-05-10',
    overdue: false,
    created_at: '2024-05-01T09:30:00+08:00',
  }, extra)
}

function range(from, to, extra) {
  const out = []
  for (let n = from; n <= to; n++) out.push(item(n, extra && extra(n)))
  return out
}

describe('我的诉求 page', () => {
  test('lists own items with status chips, deadlines and the overdue mark', async () => {
    h.setup({
      'GET /api/v1/items/mine?page=1': {items: [
        item(1, {status: 'closed', status_label: '已办结', due: '2024-05-03'}),
        item(2, {overdue: true, due: '2024-04-30'}),
        item(3, {status: 'collected', status_label: '已收集', due: null, unit: null, category: null}),
      ], page: 1, per_page: 20, total: 3},
    })
    const comp = await h.openPage('mine')

    const cards = comp.querySelectorAll('.item-card')
    expect(cards).toHaveLength(3)
    expect(h.texts(comp, '.item-number')).toEqual(['20240501-0001', '20240501-0002', '20240501-0003'])
    expect(h.texts(comp, '.chip')).toEqual(['已办结', '办理中', '已收集'])
    expect(comp.querySelectorAll('.chip').map(c => c.dom.className)).toEqual([
      expect.stringContaining('chip-closed'), expect.stringContaining('chip-claimed'), expect.stringContaining('chip-collected'),
    ])
    expect(h.texts(comp, '.item-due')).toEqual(['办理时限：2024-05-03', '办理时限：2024-04-30已超期'])
    expect(h.texts(comp, '.overdue-mark')).toEqual(['已超期'])
    expect(cards.map(c => c.dom.textContent.includes('已超期'))).toEqual([false, true, false])
    expect(h.texts(comp, '.item-category')).toEqual(['民生 · 物业管理', '民生 · 物业管理'])
    expect(h.text(comp, '.summary')).toBe('共 3 件诉求')
    expect(h.text(comp, '.list-foot')).toBe('没有更多了')
  })

  test('loads the next page at the bottom and stops when all are loaded', async () => {
    const {server} = h.setup({
      'GET /api/v1/items/mine?page=1': {items: range(1, 20), page: 1, per_page: 20, total: 25},
      'GET /api/v1/items/mine?page=2': {items: range(21, 25), page: 2, per_page: 20, total: 25},
    })
    const comp = await h.openPage('mine')

    expect(comp.querySelectorAll('.item-card')).toHaveLength(20)
    expect(h.text(comp, '.list-foot')).toBe('上拉加载更多')

    comp.instance.onReachBottom()
    await h.flush()
    expect(comp.querySelectorAll('.item-card')).toHaveLength(25)
    expect(h.texts(comp, '.item-number')[24]).toBe('20240501-0025')
    expect(h.text(comp, '.list-foot')).toBe('没有更多了')

    comp.instance.onReachBottom()
    await h.flush()
    expect(h.calls(server)).toEqual(['GET /api/v1/items/mine?page=1', 'GET /api/v1/items/mine?page=2'])
  })

  test('pull-down refresh reloads page 1, replaces the list and stops the spinner', async () => {
    let version = 0
    const {server, wx} = h.setup({
      'GET /api/v1/items/mine?page=1': () => {
        version += 1
        return version === 1
          ? {items: range(1, 20), page: 1, per_page: 20, total: 21}
          : {items: [item(99, {status: 'resolved', status_label: '待评议'})].concat(range(1, 19)), page: 1, per_page: 20, total: 22}
      },
      'GET /api/v1/items/mine?page=2': {items: [item(20)], page: 2, per_page: 20, total: 21},
    })
    const comp = await h.openPage('mine')
    comp.instance.onReachBottom()
    await h.flush()
    expect(comp.querySelectorAll('.item-card')).toHaveLength(21)

    await comp.instance.onPullDownRefresh()
    await h.flush()

    expect(comp.querySelectorAll('.item-card')).toHaveLength(20)
    expect(h.texts(comp, '.item-number')[0]).toBe('20240501-0099')
    expect(h.texts(comp, '.chip')[0]).toBe('待评议')
    expect(h.text(comp, '.list-foot')).toBe('上拉加载更多')
    expect(wx.stopPullDownRefresh).toHaveBeenCalled()
    expect(h.calls(server)).toEqual([
      'GET /api/v1/items/mine?page=1', 'GET /api/v1/items/mine?page=2', 'GET /api/v1/items/mine?page=1',
    ])
  })

  test('empty state invites a first report', async () => {
    const {wx} = h.setup({'GET /api/v1/items/mine?page=1': {items: [], page: 1, per_page: 20, total: 0}})
    const comp = await h.openPage('mine')

    expect(h.text(comp, '.empty-text')).toBe('您还没有反映过问题')
    expect(comp.querySelector('.list-foot')).toBeFalsy()
    await h.tap(comp, '.go-report-btn')
    expect(wx.switchTab).toHaveBeenCalledWith(expect.objectContaining({url: '/pages/report/report'}))
  })

  test('tapping an item opens its detail page', async () => {
    const {wx} = h.setup({'GET /api/v1/items/mine?page=1': {items: range(1, 2), page: 1, per_page: 20, total: 2}})
    const comp = await h.openPage('mine')

    comp.querySelectorAll('.item-card')[1].dispatchEvent('tap')
    await h.flush()

    expect(wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({url: '/pages/item/item?number=20240501-0002'}))
  })

  test('a failed load shows the message and a retry button', async () => {
    h.setup({'GET /api/v1/items/mine?page=1': h.networkFailure('request:fail timeout')})
    const comp = await h.openPage('mine')

    expect(h.text(comp, '.load-error .empty-text')).toBe('请求超时，请稍后重试')
    expect(comp.querySelector('.retry-btn')).toBeTruthy()
    expect(comp.querySelector('.go-report-btn')).toBeFalsy()
  })
})
