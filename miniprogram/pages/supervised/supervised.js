/**
 * 我督办的事项 — a resident supervisor's list (GET /api/v1/me/supervised): the items
 * they follow and, while their badge is valid, the open items of its area; overdue
 * first. Opened from 扫码督办; tap an item to see it, urge it or give the 督办评议.
 */
const api = require('../../utils/api.js')
const fmt = require('../../utils/format.js')

const WHY = {followed: '我关注的', area: '辖区事项'}

/** One row of the list: the summary as 我的诉求 shows it, and why it is on the list. */
function row(summary) {
  return Object.assign(fmt.listItem(summary), {why: summary.why, whyLabel: WHY[summary.why] || ''})
}

Component({
  data: {
    items: [],
    areas: '',
    supervisor: false,
    loading: false,
    loaded: false,
    error: '',
  },

  methods: {
    onLoad() {
      return this.load()
    },

    onShow() {
      if (this.data.loaded && !this.data.loading) this.load()
    },

    async onPullDownRefresh() {
      await this.load()
      wx.stopPullDownRefresh()
    },

    async load() {
      this.setData({loading: true, error: ''})
      try {
        const res = await api.get('/me/supervised')
        this.setData({
          items: (res.items || []).map(row),
          areas: (res.areas || []).join('、'),
          supervisor: !!res.supervisor,
          loading: false,
          loaded: true,
        })
      } catch (err) {
        this.setData({loading: false, loaded: true, error: err.message})
        api.showError(err)
      }
    },

    openItem(e) {
      wx.navigateTo({url: '/pages/item/item?number=' + e.currentTarget.dataset.number})
    },
  },
})
