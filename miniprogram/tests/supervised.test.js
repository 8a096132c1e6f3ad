const h = require('./helpers')


function summary(n, extra) {
  return Object.assign({
    number: '20240501-000' + n,
    status: 'claimed',
    status_label: '办理中',
    round: 1,
    content: '第' + n + '件督办事项',
    community: '全椒路社区',
    category: null,
    unit: {id: 3, name: '建设办'},
    tier: 'limited',
    due: '2024-05-10',
    overdue: false,
    created_at: '2024-05-01T09:30:00+08:00',
  }, extra)
}

describe('我督办的事项 page', () => {
  test('lists followed and area items, overdue marked, and opens one', async () => {
    const {server, wx} = h.setup({
      'GET /api/v1/me/supervised': {supervisor: true, areas: ['全椒路社区'], items: [
        summary(1, {why: 'followed', overdue: true}), summary(2, {why: 'area'}),
      ]},
    })
    const comp = await h.openPage('supervised')
    expect(h.calls(server)).toEqual(['GET /api/v1/me/supervised'])
    expect(h.texts(comp, '.item-number')).toEqual(['20240501-0001', '20240501-0002'])
    expect(h.texts(comp, '.why')).toEqual(['我关注的', '辖区事项'])
    expect(h.texts(comp, '.overdue-mark')).toEqual(['已超期'])
    expect(h.text(comp, '.summary')).toBe('群众督办员（督办区域：全椒路社区）')
    await h.tap(comp, '.item-card')
    expect(wx.navigateTo).toHaveBeenCalledWith({url: '/pages/item/item?number=20240501-0001'})
  })

  test('says how items get there when there are none', async () => {
    h.setup({'GET /api/v1/me/supervised': {supervisor: false, areas: [], items: []}})
    const comp = await h.openPage('supervised')
    expect(h.text(comp, '.empty-text')).toContain('扫描诉求二维码并关注后')
    expect(h.text(comp, '.summary')).toBe('您关注的事项')
  })
})

