/**
 * 反映问题 — step 1 (意见收集) from the mini-program.
 *
 * Written with Component() (a valid way to write a page) so that
 * miniprogram-simulate can render it in the tests.
 */
const api = require('../../utils/api.js')
const fmt = require('../../utils/format.js')
const privacy = require('../../utils/privacy.js')

const MAX_PHOTOS = 9
const MIN_LEN = 5
const MAX_LEN = 2000
// The picker's first choice: send no community, the server judges it by the location.
const UNKNOWN_COMMUNITY = '不清楚（按位置判断）'

function emptyForm() {
  return {
    category: '',
    categoryName: '',
    content: '',
    contentLength: 0,
    photos: [],
    address: '',
    lat: null,
    lng: null,
    building: '',
    anonymous: false,
    conduct: false,
    error: '',
  }
}

/** Say why a picker failed: the privacy guide not agreed, or a permission refused; nothing when closed. */
function explainFailure(res, title, privacyText, permissionText) {
  if (/cancel/.test((res && res.errMsg) || '')) return
  wx.showModal({
    title,
    content: privacy.isPrivacyFailure(res) ? privacyText : permissionText,
    showCancel: false,
    confirmText: '知道了',
  })
}

/** The validation message for the content, or "" when it is fine. */
function contentError(content) {
  const text = (content || '').trim()
  if (!text) return '请填写问题描述'
  if (text.length < MIN_LEN) return '问题描述至少需要' + MIN_LEN + '个字，请写得具体一些'
  if (text.length > MAX_LEN) return '问题描述不能超过' + MAX_LEN + '个字'
  return ''
}

Component({
  data: Object.assign({
    categories: [],
    topIndex: 0,
    children: [],
    templates: [],
    uploading: 0,
    submitting: false,
    result: null,
    maxPhotos: MAX_PHOTOS,
    maxLength: MAX_LEN,
    // the office's communities (GET /communities) behind 不清楚; the resident's own pre-selected
    communityLabels: [UNKNOWN_COMMUNITY],
    communityIndex: 0,
    ownCommunity: '',
    // a resident with no community yet: this report asks, and saves the answer (PATCH /me)
    askCommunity: false,
    communityError: '',
  }, emptyForm()),

  methods: {
    onLoad() {
      this.loadCategories()
      this.loadTemplates()
      this.loadCommunities()
    },

    /** The communities picker, pre-selected with the resident's own community (GET /me). */
    async loadCommunities() {
      let names = []
      try {
        names = await api.communities()
      } catch (err) {
        // Without the list the report still goes in: the server judges the community by the location.
      }
      let user = null
      try {
        user = await api.me()
      } catch (err) {
        user = api.storedUser()
      }
      const own = (user && user.community) || ''
      const picker = fmt.communityPicker(names, UNKNOWN_COMMUNITY, own)
      this.setData({
        communityLabels: picker.labels,
        communityIndex: picker.index,
        ownCommunity: own,
        // no community yet (or one the office has since retired): ask, and save the answer
        askCommunity: !!(user && user.kind === 'resident' && names.length && names.indexOf(own) < 0),
      })
    },

    async loadCategories() {
      try {
        const categories = await api.get('/categories')
        const list = Array.isArray(categories) ? categories : []
        this.setData({categories: list, topIndex: 0, children: list.length ? list[0].children || [] : []})
      } catch (err) {
        api.showError(err)
      }
    },

    async loadTemplates() {
      try {
        const templates = await api.get('/subscriptions/templates')
        this.setData({templates: Array.isArray(templates) ? templates : []})
      } catch (err) {
        // Without templates the report still works; we just don't ask for consent.
        this.setData({templates: []})
      }
    },

    onTopTap(e) {
      const index = Number(e.currentTarget.dataset.index)
      const top = this.data.categories[index]
      if (!top) return
      this.setData({topIndex: index, children: top.children || []})
    },

    onCategoryTap(e) {
      const {code, name} = e.currentTarget.dataset
      if (this.data.category === code) {
        this.setData({category: '', categoryName: ''})
      } else {
        this.setData({category: code, categoryName: name})
      }
    },

    onContentInput(e) {
      const content = e.detail.value || ''
      const update = {content, contentLength: content.length}
      if (this.data.error) update.error = ''
      this.setData(update)
    },

    onCommunityChange(e) {
      this.setData({communityIndex: Number(e.detail.value) || 0, communityError: ''})
    },

    /** The community chosen in the picker, '' for 不清楚. */
    chosenCommunity() {
      return fmt.communityAt(this.data.communityLabels, this.data.communityIndex)
    },

    /**
     * The server no longer knows the chosen community (the office renamed or
     * retired it): show its message, fetch the list afresh and let them pick again.
     */
    async communityRefused(err) {
      this.setData({communityError: err.message, communityIndex: 0})
      api.forgetCommunities()
      await this.loadCommunities()
      this.setData({communityIndex: 0})
    },

    /**
     * First report of a resident with no community: save the one they chose as
     * theirs. Done after the report went in, so a report that fails saves
     * nothing, and a failure here never hides the report's number (they are
     * simply asked again next time).
     */
    async saveOwnCommunity(community) {
      if (!this.data.askCommunity || !community) return
      try {
        await api.updateMe({community})
        this.setData({ownCommunity: community, askCommunity: false})
      } catch (err) {
        // asked again on the next report
      }
    },

    onBuildingInput(e) {
      this.setData({building: e.detail.value || ''})
    },

    onAnonymousChange(e) {
      this.setData({anonymous: !!e.detail.value})
    },

    /** A complaint about officials' conduct (作风) stays private to the reporter and the office. */
    onConductChange(e) {
      this.setData({conduct: !!e.detail.value})
    },

    /** Pick photos, then upload each to /api/v1/uploads and keep the ids. */
    choosePhotos() {
      const room = MAX_PHOTOS - this.data.photos.length - this.data.uploading
      if (room <= 0) {
        wx.showToast({title: '最多上传' + MAX_PHOTOS + '张照片', icon: 'none'})
        return
      }
      wx.chooseMedia({
        count: room,
        mediaType: ['image'],
        sizeType: ['compressed'],
        sourceType: ['album', 'camera'],
        success: res => this.uploadPhotos((res.tempFiles || []).map(f => f.tempFilePath)),
        fail: res => explainFailure(res, '无法选择照片',
          '需要同意隐私保护指引才能选择照片，请再点一次“添加照片”并选择同意',
          '请在设置中允许访问相册和相机后重试；也可以不附照片直接提交'),
      })
    },

    async uploadPhotos(paths) {
      const files = paths.slice(0, MAX_PHOTOS - this.data.photos.length - this.data.uploading)
      if (!files.length) return
      this.setData({uploading: this.data.uploading + files.length})
      wx.showLoading({title: '照片上传中', mask: true})
      let failed = null
      for (const filePath of files) {
        try {
          const up = await api.upload(filePath)
          this.setData({
            photos: this.data.photos.concat([{id: up.id, url: api.absUrl(up.url), path: filePath}]),
          })
        } catch (err) {
          failed = failed || err
        }
        this.setData({uploading: this.data.uploading - 1})
      }
      wx.hideLoading()
      if (failed) api.showError(failed, {title: '有照片上传失败'})
    },

    removePhoto(e) {
      const index = Number(e.currentTarget.dataset.index)
      const photos = this.data.photos.slice()
      photos.splice(index, 1)
      this.setData({photos})
    },

    previewPhoto(e) {
      const index = Number(e.currentTarget.dataset.index)
      const urls = this.data.photos.map(p => p.path || p.url)
      wx.previewImage({current: urls[index], urls})
    },

    chooseLocation() {
      wx.chooseLocation({
        success: res => {
          let address = res.address || ''
          if (res.name && address.indexOf(res.name) < 0) address = address ? address + '（' + res.name + '）' : res.name
          this.setData({address, lat: res.latitude, lng: res.longitude})
        },
        fail: res => explainFailure(res, '无法获取位置',
          '需要同意隐私保护指引才能选择位置，也可以直接选择社区并填写楼栋',
          '请在设置中允许使用位置信息，或直接选择社区并填写楼栋'),
      })
    },

    /** Ask for consent in the tap itself: WeChat refuses requestSubscribeMessage after an await. */
    askConsent() {
      const tmplIds = this.data.templates.map(t => t.id).filter(Boolean)
      if (!tmplIds.length) return Promise.resolve([])
      return new Promise(resolve => {
        wx.requestSubscribeMessage({
          tmplIds,
          success: res => resolve(tmplIds.filter(id => res && res[id] === 'accept')),
          fail: () => resolve([]),
        })
      })
    },

    body() {
      const d = this.data
      const address = [d.address, d.building.trim()].filter(Boolean).join(' ')
      // Optional fields are left out when empty rather than sent as null or "".
      const body = {content: d.content.trim()}
      if (d.category) body.category = d.category
      const community = this.chosenCommunity()
      if (community) body.community = community
      if (address) body.address = address
      if (d.lat !== null && d.lng !== null) {
        body.lat = d.lat
        body.lng = d.lng
      }
      body.photos = d.photos.map(p => p.id)
      body.anonymous = d.anonymous
      if (d.conduct) body.conduct = true
      return body
    },

    async onSubmit() {
      if (this.data.submitting) return
      const error = contentError(this.data.content)
      if (error) {
        this.setData({error})
        wx.showToast({title: error, icon: 'none'})
        return
      }
      if (this.data.uploading) {
        wx.showToast({title: '照片还在上传，请稍候', icon: 'none'})
        return
      }
      this.setData({submitting: true, error: '', communityError: ''})
      const consent = this.askConsent()
      const body = this.body()
      let item
      try {
        const accepted = await consent
        wx.showLoading({title: '正在提交', mask: true})
        item = await api.post('/items', body)
        if (accepted.length) {
          try {
            await api.post('/me/subscriptions', {accepted})
          } catch (err) {
            // the report went in; a missed consent record must not hide the number
          }
        }
        await this.saveOwnCommunity(body.community)
      } catch (err) {
        wx.hideLoading()
        this.setData({submitting: false, error: err.message})
        api.showError(err, {modal: err.code === 'unknown_community'})
        if (err.code === 'unknown_community') await this.communityRefused(err)
        return
      }
      wx.hideLoading()
      const picker = fmt.communityPicker(this.data.communityLabels.slice(1), UNKNOWN_COMMUNITY, this.data.ownCommunity)
      this.setData(Object.assign(emptyForm(), {
        submitting: false,
        communityIndex: picker.index,
        result: {number: item.number, statusLabel: item.status_label || '已收集'},
      }))
    },

    viewResult() {
      if (!this.data.result) return
      wx.navigateTo({url: '/pages/item/item?number=' + this.data.result.number})
    },

    reportAnother() {
      this.setData({result: null})
    },
  },
})
