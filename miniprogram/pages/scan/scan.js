/**
 * 扫码督办 — step 5 (督查督办) in residents' hands: scan an item's QR code
 * (or type its number) to see it and follow it; supervisors (badge holders)
 * also leave a supervision note and may urge the unit.
 *
 * A scanned code is one of:
 * - our own mini-program code: `path` carries `scene=i%3D<number>`;
 * - an item's URL QR code: `result` contains the number (YYYYMMDD-NNNN);
 * - a supervision badge (督办证): `result` is the badge URL `…/b/<token>`,
 *   which binds the badge to this WeChat user.
 */
const api = require('../../utils/api.js')
const fmt = require('../../utils/format.js')

const BADGE_RE = /\/b\/([A-Za-z0-9_-]+)\/?(?:[?#].*)?$/

function summary(item) {
  return {
    number: item.number,
    statusLabel: item.status_label || '',
    statusClass: fmt.statusClass(item.status),
    content: item.content || '',
    unit: fmt.nameOf(item.unit),
    due: item.due || '',
    overdue: !!item.overdue,
  }
}

Component({
  data: {
    isSupervisor: false,
    numberInput: '',
    item: null,
    following: false,
    error: '',
    note: '',
    urge: false,
    noteError: '',
    supervising: false,
    toggling: false,
  },

  methods: {
    onLoad() {
      this.loadMe()
    },

    async loadMe() {
      try {
        const user = await api.me()
        this.setData({isSupervisor: !!(user && user.is_supervisor)})
      } catch (err) {
        this.setData({isSupervisor: false})
      }
    },

    openSupervised() {
      wx.navigateTo({url: '/pages/supervised/supervised'})
    },

    scan() {
      wx.scanCode({
        scanType: ['qrCode', 'wxCode'],
        success: res => this.handleScan(res),
        fail: res => {
          if (res && /cancel/.test(res.errMsg || '')) return
          api.showError({message: '扫码失败，请重试'})
        },
      })
    },

    async handleScan(res) {
      const result = (res && res.result) || ''
      const scene = fmt.sceneFromPath(res && res.path)
      let number = ''
      try {
        if (scene) number = await api.itemNumberFromScene(scene)
        number = number || fmt.findNumber(res && res.path) || fmt.findNumber(result)
      } catch (err) {
        this.setData({error: err.message, item: null})
        return
      }
      if (number) {
        await this.loadItem(number)
        return
      }
      const badge = BADGE_RE.exec(result)
      if (badge) {
        this.bindBadge(badge[1])
        return
      }
      this.setData({item: null, error: '未识别到诉求编号，请扫描诉求二维码或督办证'})
    },


    onNumberInput(e) {
      this.setData({numberInput: e.detail.value || ''})
    },

    lookup() {
      const number = fmt.findNumber(this.data.numberInput.trim())
      if (!number) {
        this.setData({error: '请输入正确的诉求编号，如 20240501-0001'})
        return
      }
      this.loadItem(number)
    },

    async loadItem(number) {
      try {
        const item = await api.get('/items/' + number)
        this.setData({item: summary(item), following: !!item.following, error: '', note: '', urge: false, noteError: ''})
      } catch (err) {
        this.setData({item: null, error: err.message})
      }
    },

    bindBadge(token) {
      wx.showModal({
        title: '绑定督办证',
        content: '扫描到群众督办员督办证，是否绑定到当前微信？绑定后可对诉求提交督办意见。',
        confirmText: '绑定',
        success: async res => {
          if (!res.confirm) return
          try {
            await api.post('/badges/bind', {token})
            await this.loadMe()
            this.setData({error: ''})
            wx.showToast({title: '督办证绑定成功', icon: 'success'})
          } catch (err) {
            api.showError(err)
          }
        },
      })
    },

    async toggleFollow() {
      if (!this.data.item || this.data.toggling) return
      this.setData({toggling: true})
      const path = '/items/' + this.data.item.number + '/follow'
      try {
        const res = this.data.following ? await api.del(path) : await api.post(path)
        this.setData({following: !!res.following, toggling: false})
        wx.showToast({title: res.following ? '已关注' : '已取消关注', icon: 'none'})
      } catch (err) {
        this.setData({toggling: false})
        api.showError(err)
      }
    },

    onNoteInput(e) {
      this.setData({note: e.detail.value || '', noteError: ''})
    },

    onUrgeChange(e) {
      this.setData({urge: !!e.detail.value})
    },

    async submitNote() {
      if (!this.data.isSupervisor || !this.data.item || this.data.supervising) return
      const note = this.data.note.trim()
      if (!note) {
        this.setData({noteError: '请填写督办意见'})
        wx.showToast({title: '请填写督办意见', icon: 'none'})
        return
      }
      this.setData({supervising: true, noteError: ''})
      const number = this.data.item.number
      try {
        await api.post('/staff/items/' + number + '/supervise', {note, urge: this.data.urge})
        this.setData({supervising: false, note: '', urge: false})
        wx.showToast({title: '督办意见已提交', icon: 'success'})
        await this.loadItem(number)
      } catch (err) {
        this.setData({supervising: false, noteError: err.message})
        api.showError(err)
      }
    },

    openItem() {
      if (this.data.item) wx.navigateTo({url: '/pages/item/item?number=' + this.data.item.number})
    },
  },
})
