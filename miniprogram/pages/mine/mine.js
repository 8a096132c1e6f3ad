/**
 * 我的诉求 — the resident's own items, newest first, 20 a page.
 * Pull down to refresh, scroll to the bottom for the next page.
 */
const api = require('../../utils/api.js')
const fmt = require('../../utils/format.js')

Component({
  data: {
    items: [],
    page: 0,
    total: 0,
    loading: false,
    loaded: false,
    hasMore: false,
    error: '',
  },

  methods: {
    onLoad() {
      this.refresh()
    },

    onShow() {
      // A tab page stays alive: come back to it and see fresh statuses.
      if (this.data.loaded && !this.data.loading) this.refresh()
    },

    async onPullDownRefresh() {
      await this.refresh()
      wx.stopPullDownRefresh()
    },

    onReachBottom() {
      if (this.data.hasMore && !this.data.loading) this.load(this.data.page + 1)
    },

    refresh() {
      return this.load(1)
    },

    async load(page) {
      this.setData({loading: true, error: ''})
      try {
        const res = await api.get('/items/mine', {page})
        this.setData(fmt.pagedData(this.data.items, res, page, fmt.listItem))
      } catch (err) {
        this.setData({loading: false, loaded: true, error: err.message})
        api.showError(err)
      }
    },

    openItem(e) {
      wx.navigateTo({url: '/pages/item/item?number=' + e.currentTarget.dataset.number})
    },

    goReport() {
      wx.switchTab({url: '/pages/report/report'})
    },
  },
})
